package dev.etcdcache.core.watch;

import dev.etcdcache.core.store.KeyRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Registered watchers by key range, so that an event finds its watchers without scanning them all.
 * Watchers with the same range share one {@link Group}. Three structures, by the shape of the range:
 *
 * <ul>
 *   <li>a single key: a hash map from key to group, one lookup per event;</li>
 *   <li>a prefix (range end = etcd's prefix end of the key): a hash map from prefix to group,
 *       looked up for each prefix length some group has, at most {@code key.length + 1} lookups;</li>
 *   <li>any other range: groups sorted by start key with a running maximum of their ends, so a
 *       stabbing query walks back from the last start at or below the key only while some earlier
 *       range can still reach it. Rebuilt lazily after a change.</li>
 * </ul>
 *
 * <p>Not thread-safe: owned by the mirror's apply thread.
 */
final class WatcherIndex {

  /** Watchers of one range, with per-revision scratch space used while dispatching. */
  static final class Group {
    final KeyRange range;
    final List<HubWatcher> watchers = new ArrayList<>();
    final List<io.etcd.jetcd.api.Event> pending = new ArrayList<>();
    final io.etcd.jetcd.watch.WatchResponse[] variants = new io.etcd.jetcd.watch.WatchResponse[8];
    final boolean[] built = new boolean[8];

    Group(KeyRange range) {
      this.range = range;
    }

    void clearScratch() {
      pending.clear();
      Arrays.fill(variants, null);
      Arrays.fill(built, false);
    }
  }

  private final Map<Bytes, Group> singles = new HashMap<>();
  private final Map<Bytes, Group> prefixes = new HashMap<>();
  private final TreeMap<Integer, Integer> prefixLengths = new TreeMap<>();
  private final Map<KeyRange, Group> ranges = new HashMap<>();
  private Group[] sortedRanges = new Group[0];
  private byte[][] maxEnds = new byte[0][];
  private boolean rangesDirty;
  private int watchers;

  /** Adds {@code watcher} under its range. */
  void add(HubWatcher watcher) {
    KeyRange range = watcher.request().range();
    Group group;
    if (range.isSingleKey()) {
      group = singles.computeIfAbsent(new Bytes(range.fromInclusive()), k -> new Group(range));
    } else if (isPrefix(range)) {
      group = prefixes.computeIfAbsent(new Bytes(range.fromInclusive()), k -> {
        prefixLengths.merge(k.bytes().length, 1, Integer::sum);
        return new Group(range);
      });
    } else {
      group = ranges.computeIfAbsent(range, k -> {
        rangesDirty = true;
        return new Group(range);
      });
    }
    group.watchers.add(watcher);
    watchers++;
  }

  /** Removes {@code watcher}; a no-op if it is not indexed. */
  void remove(HubWatcher watcher) {
    KeyRange range = watcher.request().range();
    if (range.isSingleKey()) {
      removeFrom(singles, new Bytes(range.fromInclusive()), watcher, false);
    } else if (isPrefix(range)) {
      removeFrom(prefixes, new Bytes(range.fromInclusive()), watcher, true);
    } else {
      Group group = ranges.get(range);
      if (group != null && group.watchers.remove(watcher)) {
        watchers--;
        if (group.watchers.isEmpty()) {
          ranges.remove(range);
          rangesDirty = true;
        }
      }
    }
  }

  /** Calls {@code action} once for each group whose range holds {@code key}. */
  void forEachMatch(byte[] key, Consumer<Group> action) {
    Group single = singles.get(new Bytes(key));
    if (single != null) {
      action.accept(single);
    }
    for (int length : prefixLengths.keySet()) {
      if (length > key.length) {
        break;
      }
      Group g = prefixes.get(new Bytes(Arrays.copyOf(key, length)));
      if (g != null) {
        action.accept(g);
      }
    }
    if (!ranges.isEmpty()) {
      stab(key, action);
    }
  }

  /** Every watcher indexed, for sweeps that must visit all (relist, progress). */
  List<HubWatcher> all() {
    List<HubWatcher> out = new ArrayList<>(watchers);
    singles.values().forEach(g -> out.addAll(g.watchers));
    prefixes.values().forEach(g -> out.addAll(g.watchers));
    ranges.values().forEach(g -> out.addAll(g.watchers));
    return out;
  }

  /** Watchers indexed. */
  int size() {
    return watchers;
  }

  // ---- private machinery ----

  private void removeFrom(Map<Bytes, Group> map, Bytes key, HubWatcher watcher, boolean prefix) {
    Group group = map.get(key);
    if (group != null && group.watchers.remove(watcher)) {
      watchers--;
      if (group.watchers.isEmpty()) {
        map.remove(key);
        if (prefix) {
          prefixLengths.computeIfPresent(key.bytes().length, (l, n) -> n == 1 ? null : n - 1);
        }
      }
    }
  }

  private void stab(byte[] key, Consumer<Group> action) {
    if (rangesDirty) {
      rebuild();
    }
    int lo = 0;
    int hi = sortedRanges.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(sortedRanges[mid].range.fromInclusive(), key) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (int i = lo - 1; i >= 0; i--) {
      byte[] reach = maxEnds[i];
      if (reach != null && Arrays.compareUnsigned(reach, key) <= 0) {
        return;
      }
      if (sortedRanges[i].range.contains(key)) {
        action.accept(sortedRanges[i]);
      }
    }
  }

  private void rebuild() {
    Group[] groups = ranges.values().toArray(new Group[0]);
    Arrays.sort(groups, Comparator.comparing(g -> g.range.fromInclusive(), Arrays::compareUnsigned));
    byte[][] ends = new byte[groups.length][];
    byte[] reach = new byte[0];
    for (int i = 0; i < groups.length; i++) {
      byte[] to = groups[i].range.toExclusive();
      if (reach != null && (to == null || Arrays.compareUnsigned(to, reach) > 0)) {
        reach = to;
      }
      ends[i] = reach;
    }
    sortedRanges = groups;
    maxEnds = ends;
    rangesDirty = false;
  }

  private static boolean isPrefix(KeyRange range) {
    return !range.isEmpty() && range.fromInclusive().length > 0
        && KeyRange.prefix(range.fromInclusive()).equals(range);
  }

  /** A byte array compared by content, as a hash key. */
  private record Bytes(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return java.util.HexFormat.of().formatHex(bytes);
    }
  }
}
