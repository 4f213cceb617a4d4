package dev.etcdcache.benchmarks.metrics;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;

/** The keys the overhead benchmarks read: {@code count} keys of 100-byte values under a prefix, written in txns of 100. */
final class BenchKeys {

  private BenchKeys() {}

  /** Writes the keys through {@code direct} and returns them in key order. */
  static ByteSequence[] load(KV direct, String prefix, int count) throws Exception {
    ByteSequence[] keys = new ByteSequence[count];
    for (int i = 0; i < count; i++) {
      keys[i] = ByteSequence.from(String.format("%s%08d", prefix, i), StandardCharsets.UTF_8);
    }
    for (int i = 0; i < count; i += 100) {
      Op[] puts = new Op[Math.min(100, count - i)];
      for (int j = 0; j < puts.length; j++) {
        puts[j] = Op.put(keys[i + j], ByteSequence.from(new byte[100]), PutOption.DEFAULT);
      }
      direct.txn().Then(puts).commit().get();
    }
    return keys;
  }
}
