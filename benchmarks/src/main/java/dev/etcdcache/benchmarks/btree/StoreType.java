package dev.etcdcache.benchmarks.btree;

import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.Batch;
import dev.etcdcache.btree.EntryVisitor;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The structures compared by the B+tree benchmarks, as a JMH {@code @Param}: our persistent
 * B+tree and the JDK's two sorted maps, all in etcd's unsigned key order. Public only because
 * JMH's generated code must name it; single-threaded use.
 */
public enum StoreType {
  BPLUS_TREE {
    @Override
    SortedStore load(byte[][] keys, Object value) {
      Batch<Object> batch = BPlusTree.empty().batch();
      for (byte[] k : keys) {
        batch.put(k, value);
      }
      return new BPlusTreeStore(batch.freeze());
    }
  },
  TREE_MAP {
    @Override
    SortedStore load(byte[][] keys, Object value) {
      TreeMap<byte[], Object> map = new TreeMap<>(Arrays::compareUnsigned);
      for (byte[] k : keys) {
        map.put(k, value);
      }
      return new MapStore(map);
    }
  },
  SKIP_LIST {
    @Override
    SortedStore load(byte[][] keys, Object value) {
      ConcurrentSkipListMap<byte[], Object> map =
          new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
      for (byte[] k : keys) {
        map.put(k, value);
      }
      return new MapStore(map);
    }
  };

  /** A store holding {@code keys}, inserted in the given order, all mapped to {@code value}. */
  abstract SortedStore load(byte[][] keys, Object value);

  /** The B+tree: counts from subtree sizes, walks through a reused visitor. */
  private static final class BPlusTreeStore implements SortedStore {
    private final BPlusTree<Object> tree;
    private long sum;
    private final EntryVisitor<Object> visitor =
        (k, v) -> {
          sum += k.length;
          return true;
        };

    BPlusTreeStore(BPlusTree<Object> tree) {
      this.tree = tree;
    }

    @Override
    public Object get(byte[] key) {
      return tree.get(key);
    }

    @Override
    public long range(byte[] from, byte[] to, int limit) {
      sum = 0;
      int visited = tree.forEach(from, to, false, limit, visitor);
      return sum + visited;
    }

    @Override
    public int count(byte[] from, byte[] to) {
      return tree.count(from, to);
    }
  }

  /** A JDK navigable map: ranges by sub-map iteration, counts by sub-map size (a walk). */
  private static final class MapStore implements SortedStore {
    private final NavigableMap<byte[], Object> map;

    MapStore(NavigableMap<byte[], Object> map) {
      this.map = map;
    }

    @Override
    public Object get(byte[] key) {
      return map.get(key);
    }

    @Override
    public long range(byte[] from, byte[] to, int limit) {
      NavigableMap<byte[], Object> sub = to == null ? map.tailMap(from, true) : map.subMap(from, true, to, false);
      long sum = 0;
      int visited = 0;
      for (Map.Entry<byte[], Object> e : sub.entrySet()) {
        sum += e.getKey().length;
        if (++visited == limit) {
          break;
        }
      }
      return sum + visited;
    }

    @Override
    public int count(byte[] from, byte[] to) {
      return map.subMap(from, true, to, false).size();
    }
  }
}
