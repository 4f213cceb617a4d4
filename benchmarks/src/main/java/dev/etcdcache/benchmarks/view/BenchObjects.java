package dev.etcdcache.benchmarks.view;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.core.CacheConfig;
import dev.etcdcache.core.inprocess.DetachedView;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The objects the view benchmarks index: {@code "id|group|a|b|c0|...|c9"} values decoded into
 * {@link Obj}, under keys {@code /objects/<id>}. Object {@code i} has id {@code "i"} (one object per
 * value), group {@code i / 100} (100 objects per value), {@code a = i % 2} and {@code b = i % 3}
 * (halves and thirds) and ten extra fields {@code c0..c9} with 100 values each for the maintenance
 * benchmark's ten indexes.
 */
public final class BenchObjects {

  /** A decoded object. */
  public record Obj(String id, String group, String a, String b, String[] extra) {}

  static final IndexDefinition<Obj> ID = IndexDefinition.single("id", Obj::id);
  static final IndexDefinition<Obj> GROUP = IndexDefinition.single("group", Obj::group);
  static final IndexDefinition<Obj> A = IndexDefinition.single("a", Obj::a);

  /** The ten indexes over c0..c9. */
  public static List<IndexDefinition<Obj>> extraIndexes(int count) {
    List<IndexDefinition<Obj>> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int field = i;
      out.add(IndexDefinition.single("c" + i, o -> o.extra()[field]));
    }
    return out;
  }

  /** An adapter keeping {@code indexes}. */
  public static Adapter<Obj> adapter(List<IndexDefinition<Obj>> indexes) {
    return new Adapter<>() {
      @Override
      public Obj decode(byte[] key, byte[] value) {
        String[] f = new String(value, StandardCharsets.UTF_8).split("\\|");
        String[] extra = new String[f.length - 4];
        System.arraycopy(f, 4, extra, 0, extra.length);
        return new Obj(f[0], f[1], f[2], f[3], extra);
      }

      @Override
      public byte[] encode(Obj o) {
        return value(o.id(), o.group(), o.a(), o.b(), o.extra());
      }

      @Override
      public List<IndexDefinition<Obj>> indexes() {
        return indexes;
      }
    };
  }

  public static byte[] key(int i) {
    return ("/objects/" + i).getBytes(StandardCharsets.UTF_8);
  }

  /** The value of object {@code i}, with {@code salt} changing its extra fields. */
  public static byte[] value(int i, int salt) {
    String[] extra = new String[10];
    for (int c = 0; c < 10; c++) {
      extra[c] = Integer.toString((i * 31 + c * 7 + salt) % 100);
    }
    return value(Integer.toString(i), Integer.toString(i / 100), Integer.toString(i % 2),
        Integer.toString(i % 3), extra);
  }

  private static byte[] value(String id, String group, String a, String b, String[] extra) {
    return (id + "|" + group + "|" + a + "|" + b + "|" + String.join("|", extra)).getBytes(StandardCharsets.UTF_8);
  }

  /** A detached view of objects {@code 0..size-1} at revision 1, with {@code adapter}. */
  static DetachedView<Obj> view(int size, Adapter<Obj> adapter) {
    List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      entries.add(Map.entry(key(i), value(i, 0)));
    }
    CacheConfig defaults = CacheConfig.defaults();
    return DetachedView.over("/objects/", adapter, entries, Runnable::run, defaults.historyEvents(),
        defaults.watcherQueueLimit());
  }

  private BenchObjects() {}
}
