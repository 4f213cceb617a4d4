package dev.etcdcache.demo.load;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;

/**
 * Reads an answer the way a caller does, inside the timed part of a measurement: {@code getKvs()},
 * then every key and value as bytes and every revision field. A figure that stops at the future's
 * completion leaves out what a user pays to read what came back (jetcd builds its
 * {@code KeyValue}s and {@code ByteSequence}s on demand), so every contender's reads go through
 * here.
 */
public final class Answers {

  /**
   * Compared with what was read, so the JIT cannot drop the reads. Never written: a shared field
   * every caller wrote would add cache-line contention between callers that no user pays (the
   * trick JMH's {@code Blackhole} uses).
   */
  private static volatile long never = Long.MIN_VALUE + 0x5eed;
  /** Set only if a read ever equals {@link #never}; its value means nothing. */
  private static volatile Object escape;

  private Answers() {}

  /** Reads all of {@code response} and returns it. */
  public static GetResponse consume(GetResponse response) {
    long n = response.getCount() + response.getHeader().getRevision();
    for (KeyValue kv : response.getKvs()) {
      n += kv.getKey().getBytes().length + kv.getValue().getBytes().length + kv.getModRevision()
          + kv.getCreateRevision() + kv.getVersion() + kv.getLease();
    }
    if (n == never) {
      escape = response;
    }
    return response;
  }
}
