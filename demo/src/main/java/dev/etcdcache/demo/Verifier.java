package dev.etcdcache.demo;

import dev.etcdcache.demo.load.KeySet;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A cheap correctness check the demo runs before it measures the cache: the same requests through
 * plain jetcd and through the cache must give the same answer (kvs with key, value, create and mod
 * revision, version and lease; count; more; header revision, reads repeated until both answers come
 * from one revision when another client writes meanwhile), and a write made with plain jetcd
 * must be visible to the very next linearizable read through the cache.
 *
 * <p>Not thread-safe.
 */
final class Verifier {

  private static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();
  private static final GetOption PREFIX_LIMIT_7 = GetOption.builder().isPrefix(true).withLimit(7).build();

  private final KV direct;
  private final KV cached;
  private final KeySet keys;
  private final Random random = new Random(42);

  Verifier(KV direct, KV cached, KeySet keys) {
    this.direct = direct;
    this.cached = cached;
    this.keys = keys;
  }

  /**
   * Compares {@code gets} point Gets and {@code lists} prefix Lists (every other one with a limit).
   *
   * @return how many responses were compared
   * @throws IllegalStateException describing the first difference
   */
  int compareReads(int gets, int lists) throws InterruptedException {
    for (int i = 0; i < gets; i++) {
      int index = random.nextInt(keys.count());
      GetResponse expected = await(direct.get(keys.key(index)));
      if (expected.getKvs().size() != 1 || !expected.getKvs().get(0).getValue().equals(keys.value(index))) {
        throw new IllegalStateException("etcd does not hold the loaded value of " + text(keys.key(index)));
      }
      ByteSequence key = keys.key(index);
      compareAtOneRevision("Get " + text(key), expected, () -> direct.get(key), () -> cached.get(key));
    }
    for (int i = 0; i < lists; i++) {
      ByteSequence prefix = keys.namespace(random.nextInt(keys.namespaces()));
      GetOption option = i % 2 == 0 ? PREFIX : PREFIX_LIMIT_7;
      compareAtOneRevision("List " + text(prefix), await(direct.get(prefix, option)), () -> direct.get(prefix, option),
          () -> cached.get(prefix, option));
    }
    return gets + lists;
  }

  /**
   * Compares the cache's answer with etcd's at the same header revision. Another client may write
   * to etcd between the two reads (the demo may run against a shared etcd, and the dashboard
   * script writes beside it); then the cache's later linearizable answer is rightly newer, and the
   * pair is read again. Answers are compared only when both come from one revision.
   */
  private void compareAtOneRevision(String what, GetResponse first, Supplier<CompletableFuture<GetResponse>> fromEtcd,
      Supplier<CompletableFuture<GetResponse>> fromCache) throws InterruptedException {
    GetResponse expected = first;
    for (int attempt = 1; ; attempt++) {
      GetResponse actual = await(fromCache.get());
      if (expected.getHeader().getRevision() == actual.getHeader().getRevision() || attempt == 20) {
        compare(what, expected, actual);
        return;
      }
      expected = await(fromEtcd.get());
    }
  }

  /**
   * Writes a key with plain jetcd, behind the cache's back, and reads it at once through the cache.
   *
   * @return the revision of the write
   * @throws IllegalStateException if the cache's linearizable read missed the write
   */
  long writeDirectReadCached() throws InterruptedException {
    ByteSequence key = ByteSequence.from(keys.root() + "verify/linearizable", StandardCharsets.US_ASCII);
    ByteSequence value = ByteSequence.from("written at " + System.nanoTime(), StandardCharsets.US_ASCII);
    long revision = await(direct.put(key, value)).getHeader().getRevision();
    GetResponse seen = await(cached.get(key));
    if (seen.getKvs().size() != 1 || !seen.getKvs().get(0).getValue().equals(value)
        || seen.getKvs().get(0).getModRevision() != revision) {
      throw new IllegalStateException("a linearizable read through the cache missed the write at revision " + revision);
    }
    await(direct.delete(key));
    return revision;
  }

  private static void compare(String what, GetResponse expected, GetResponse actual) {
    check(what, "header revision", expected.getHeader().getRevision(), actual.getHeader().getRevision());
    check(what, "count", expected.getCount(), actual.getCount());
    check(what, "more", expected.isMore(), actual.isMore());
    List<KeyValue> e = expected.getKvs();
    List<KeyValue> a = actual.getKvs();
    check(what, "number of kvs", e.size(), a.size());
    for (int i = 0; i < e.size(); i++) {
      String at = "kvs[" + i + "].";
      check(what, at + "key", text(e.get(i).getKey()), text(a.get(i).getKey()));
      check(what, at + "value", e.get(i).getValue(), a.get(i).getValue());
      check(what, at + "createRevision", e.get(i).getCreateRevision(), a.get(i).getCreateRevision());
      check(what, at + "modRevision", e.get(i).getModRevision(), a.get(i).getModRevision());
      check(what, at + "version", e.get(i).getVersion(), a.get(i).getVersion());
      check(what, at + "lease", e.get(i).getLease(), a.get(i).getLease());
    }
  }

  private static void check(String what, String field, Object expected, Object actual) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException(what + ": " + field + " differs, etcd " + expected + ", cache " + actual);
    }
  }

  private static <T> T await(CompletableFuture<T> future) throws InterruptedException {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("request failed during verification: " + e, e);
    }
  }

  private static String text(ByteSequence bytes) {
    return bytes.toString(StandardCharsets.US_ASCII);
  }
}
