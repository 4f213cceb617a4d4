package dev.etcdcache.core.view;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.store.StoredValue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Objects for the view's unit tests: {@code "namespace|label,label|name"} values, a namespace index
 * (one value) and a label index (several), an adapter that counts its decodes and rejects objects
 * named {@code hidden}.
 */
final class TestObjects {

  record Obj(String namespace, List<String> labels, String name) {}

  static final IndexDefinition<Obj> NAMESPACE = IndexDefinition.single("namespace", Obj::namespace);
  static final IndexDefinition<Obj> LABEL = IndexDefinition.of("label", Obj::labels);

  /** The test adapter; {@code decodes} counts calls to decode. */
  static final class ObjAdapter implements Adapter<Obj> {
    final AtomicInteger decodes = new AtomicInteger();

    @Override
    public Obj decode(byte[] key, byte[] value) {
      decodes.incrementAndGet();
      String[] parts = new String(value, StandardCharsets.UTF_8).split("\\|", -1);
      if (parts.length != 3) {
        throw new IllegalArgumentException("not an object: " + new String(value, StandardCharsets.UTF_8));
      }
      List<String> labels = parts[1].isEmpty() ? List.of() : Arrays.asList(parts[1].split(","));
      return new Obj(parts[0], List.copyOf(labels), parts[2]);
    }

    @Override
    public byte[] encode(Obj o) {
      return (o.namespace() + "|" + String.join(",", o.labels()) + "|" + o.name()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public List<IndexDefinition<Obj>> indexes() {
      return List.of(NAMESPACE, LABEL);
    }

    @Override
    public boolean accept(byte[] key, Obj object) {
      return !object.name().equals("hidden");
    }
  }

  /** The object a raw value decodes to in the view, or null if the view leaves it out. */
  static Obj expected(String raw) {
    try {
      Obj o = new ObjAdapter().decode(new byte[0], raw.getBytes(StandardCharsets.UTF_8));
      return o.name().equals("hidden") ? null : o;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A store version holding {@code keysAndValues} (key, value, key, value...) at {@code revision}. */
  static StoreVersion store(long revision, String... keysAndValues) {
    BPlusTree<byte[]> tree = BPlusTree.empty();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      tree = tree.put(bytes(keysAndValues[i]), StoredValue.pack(bytes(keysAndValues[i + 1]), revision, revision, 1, 0));
    }
    return new StoreVersion(revision, tree, 0);
  }

  private TestObjects() {}
}
