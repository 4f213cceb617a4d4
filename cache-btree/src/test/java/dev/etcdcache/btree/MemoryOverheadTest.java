package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * Per-entry structural overhead at a million keys of at most 24 bytes, measured with JOL: the
 * whole tree's retained size minus the keys' and values' own sizes, divided by the entry count.
 * Measures the tree built by persistent puts in random key order (exact-size arrays, leaves about
 * two-thirds full); a key-ordered batch load, which fills leaves, measured 9.2 B once and is left
 * out to keep the module's tests short. Prints the figure (see the benchmarks README) and asserts
 * a ceiling so that a regression is noticed.
 */
class MemoryOverheadTest {

  private static final int N = 1_000_000;

  @Test
  void overheadPerEntry_millionKeys_isSmall() {
    Random rnd = new Random(4);
    List<byte[]> keys = new ArrayList<>(N);
    for (int i = 0; i < N; i++) {
      // 13..24 bytes, etcd-like: a shared prefix and a unique tail, inserted in random order.
      keys.add(String.format("/pods/%s/%07d", Integer.toString(rnd.nextInt(1 << 20), 36), i)
          .getBytes(StandardCharsets.UTF_8));
    }
    Collections.shuffle(keys, rnd);
    Long[] values = new Long[N];
    for (int i = 0; i < N; i++) {
      values[i] = (long) i + 1_000_000;
    }
    long payload = 0;
    for (int i = 0; i < N; i++) {
      assertThat(keys.get(i).length).isLessThanOrEqualTo(24);
      payload += VM.current().sizeOf(keys.get(i)) + VM.current().sizeOf(values[i]);
    }

    BPlusTree<Long> random = BPlusTree.empty();
    for (int i = 0; i < N; i++) {
      random = random.put(keys.get(i), values[i]);
    }
    double randomOverhead = overhead(random, payload);

    System.out.printf(
        "JOL per-entry overhead at %,d keys built by random-order persistent puts: %.1f B%n",
        N, randomOverhead);
    assertThat(randomOverhead).isLessThan(16.0);
  }

  private static double overhead(BPlusTree<Long> tree, long payload) {
    long total = GraphLayout.parseInstance(tree).totalSize();
    return (double) (total - payload) / tree.size();
  }
}
