package dev.etcdcache.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link GoSort} against Go 1.19's own {@code sort.Sort}, from vectors generated with
 * go1.19.8 (the Go that built the targeted etcd) and committed under {@code gosort/}: the build
 * needs no Go.
 *
 * <p>{@code vectors.txt} lists inputs and Go's output permutations in full; {@code
 * generated.txt} names inputs made by {@link #keys} (a copy of the Go generator's) and gives
 * hashes of Go's outputs. Both also hash Go's trace of Less and Swap calls, so a match means
 * the same calls in the same order, not just the same result. The Go program that wrote them
 * is not kept; its format is described in each file's header.
 */
class GoSortTest {

  // ---- what the vectors compare -------------------------------------------------------------

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  /** Records (key, original index) that Less compares by key and that hash every call. */
  private static final class Records implements GoSortable {
    final int[] keys;
    final int[] indexes;
    long trace = FNV_OFFSET;

    Records(int[] keys) {
      this.keys = keys.clone();
      this.indexes = new int[keys.length];
      for (int i = 0; i < keys.length; i++) {
        indexes[i] = i;
      }
    }

    private void mix(int v) {
      trace = (trace ^ v) * FNV_PRIME;
    }

    @Override
    public int length() {
      return keys.length;
    }

    @Override
    public boolean less(int i, int j) {
      mix(1);
      mix(i);
      mix(j);
      return keys[i] < keys[j];
    }

    @Override
    public void swap(int i, int j) {
      mix(2);
      mix(i);
      mix(j);
      int k = keys[i];
      keys[i] = keys[j];
      keys[j] = k;
      int x = indexes[i];
      indexes[i] = indexes[j];
      indexes[j] = x;
    }
  }

  /** Sorts like Go's sort.Sort (descending: sort.Sort(sort.Reverse(..))), trace included. */
  private static Records sorted(int[] keys, boolean descending) {
    Records records = new Records(keys);
    GoSort.sort(descending ? GoSort.reverse(records) : records);
    return records;
  }

  private static long hash(int[] values) {
    long h = FNV_OFFSET;
    for (int v : values) {
      h = (h ^ v) * FNV_PRIME;
    }
    return h;
  }

  // ---- vectors.txt: inputs and outputs in full ----------------------------------------------

  record Vector(
      String name, int[] keys, long ascTrace, int[] ascending, long descTrace, int[] descending) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Vector> vectors() {
    List<Vector> vectors = new ArrayList<>();
    List<String> lines = resourceLines("vectors.txt");
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).startsWith("C ")) {
        continue;
      }
      String name = lines.get(i).substring(2);
      String[] a = lines.get(i + 2).split(" ", 3);
      String[] d = lines.get(i + 3).split(" ", 3);
      vectors.add(new Vector(name, ints(lines.get(i + 1).substring(1)),
          hex(a[1]), ints(a.length > 2 ? a[2] : ""), hex(d[1]), ints(d.length > 2 ? d[2] : "")));
    }
    return vectors.stream();
  }

  @Test
  void vectorFileHoldsEveryCase() {
    assertThat(vectors()).hasSize(181);
    assertThat(resourceLines("vectors.txt").get(0)).contains("go1.19.8");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void ascendingMatchesGoSortSort(Vector v) {
    Records r = sorted(v.keys(), false);
    assertThat(r.indexes).as("permutation").containsExactly(v.ascending());
    assertThat(r.trace).as("trace of Less and Swap calls").isEqualTo(v.ascTrace());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void descendingMatchesGoSortReverse(Vector v) {
    Records r = sorted(v.keys(), true);
    assertThat(r.indexes).as("permutation").containsExactly(v.descending());
    assertThat(r.trace).as("trace of Less and Swap calls").isEqualTo(v.descTrace());
  }

  // ---- generated.txt: inputs from a shared generator, outputs as hashes ---------------------

  /** splitmix64, as in the Go generator. */
  private static final class SplitMix {
    private long state;

    SplitMix(long seed) {
      state = seed;
    }

    long next() {
      state += 0x9e3779b97f4a7c15L;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      return z ^ (z >>> 31);
    }

    int below(int bound) {
      return (int) Long.remainderUnsigned(next(), bound);
    }
  }

  /** The Go generator's genKeys: n keys of a pattern with its parameter. */
  static int[] keys(String pattern, int n, int param, long seed) {
    SplitMix rng = new SplitMix(seed);
    int[] k = new int[n];
    for (int i = 0; i < n; i++) {
      k[i] = switch (pattern) {
        case "rand" -> rng.below(param); // uniform in [0, param)
        case "asc" -> i / param; // ascending runs of param equal keys
        case "desc" -> (n - 1 - i) / param; // descending runs of param equal keys
        case "saw" -> i % param; // sawtooth with period param
        case "pipe" -> Math.min(i, n - 1 - i) / param; // organ pipe with plateaus of param
        case "nearly" -> i / 2; // ascending with ties of two, swapped below
        default -> throw new IllegalArgumentException(pattern);
      };
    }
    if (pattern.equals("nearly") && n > 0) {
      for (int s = 0; s < param; s++) {
        int a = rng.below(n);
        int b = rng.below(n);
        int t = k[a];
        k[a] = k[b];
        k[b] = t;
      }
    }
    return k;
  }

  @Test
  void generatedInputsMatchGo() {
    List<String> failures = new ArrayList<>();
    int cases = 0;
    for (String line : resourceLines("generated.txt")) {
      if (line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(" ");
      int[] keys = keys(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]));
      Records asc = sorted(keys, false);
      Records desc = sorted(keys, true);
      if (asc.trace != hex(f[4]) || hash(asc.indexes) != hex(f[5])) {
        failures.add("ascending " + line);
      }
      if (desc.trace != hex(f[6]) || hash(desc.indexes) != hex(f[7])) {
        failures.add("descending " + line);
      }
      cases++;
    }
    assertThat(cases).isEqualTo(2973);
    assertThat(failures).as("cases that differ from Go").isEmpty();
  }

  // ---- beyond the vectors --------------------------------------------------------------------

  @Test
  void largeInputsComeOutOrdered() {
    Random random = new Random(42);
    int n = 100_000;
    List<int[]> inputs = new ArrayList<>();
    for (int range : new int[] {1, 3, 100, 10_000, Integer.MAX_VALUE}) {
      inputs.add(random.ints(n, 0, range).toArray());
    }
    int[] ascending = new int[n];
    Arrays.setAll(ascending, i -> i / 7);
    inputs.add(ascending);
    int[] descending = new int[n];
    Arrays.setAll(descending, i -> n - i);
    inputs.add(descending);
    int[] sawtooth = new int[n];
    Arrays.setAll(sawtooth, i -> i % 1000);
    inputs.add(sawtooth);

    for (int[] keys : inputs) {
      int[] expected = keys.clone();
      Arrays.sort(expected);
      Records asc = sorted(keys, false);
      assertThat(asc.keys).isEqualTo(expected);
      assertThat(carriesItsOriginalIndexes(asc, keys)).isTrue();

      Records desc = sorted(keys, true);
      int[] reversed = new int[n];
      Arrays.setAll(reversed, i -> expected[n - 1 - i]);
      assertThat(desc.keys).isEqualTo(reversed);
      assertThat(carriesItsOriginalIndexes(desc, keys)).isTrue();
    }
  }

  /** Whether each original index appears once, next to the key it started with. */
  private static boolean carriesItsOriginalIndexes(Records r, int[] input) {
    boolean[] seen = new boolean[r.indexes.length];
    for (int i = 0; i < r.indexes.length; i++) {
      int original = r.indexes[i];
      if (seen[original] || r.keys[i] != input[original]) {
        return false;
      }
      seen[original] = true;
    }
    return true;
  }

  @Test
  void reverseSwapsTheArgumentsOfLessAndDelegatesTheRest() {
    Records records = new Records(new int[] {5, 9, 7});
    GoSortable reversed = GoSort.reverse(records);

    assertThat(reversed.length()).isEqualTo(3);
    assertThat(reversed.less(0, 1)).isFalse(); // 9 < 5
    assertThat(reversed.less(1, 0)).isTrue(); // 5 < 9
    reversed.swap(0, 2);
    assertThat(records.keys).containsExactly(7, 9, 5);
    assertThat(records.indexes).containsExactly(2, 1, 0);
  }

  @Test
  void nothingToSortMakesNoCalls() {
    for (int[] keys : new int[][] {{}, {3}}) {
      Records r = sorted(keys, false);
      assertThat(r.trace).isEqualTo(FNV_OFFSET);
    }
  }

  // ---- reading the resources ----------------------------------------------------------------

  private static List<String> resourceLines(String name) {
    try (InputStream in = GoSortTest.class.getResourceAsStream("/gosort/" + name)) {
      assertThat(in).as("resource gosort/" + name).isNotNull();
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        return reader.lines().toList();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int[] ints(String text) {
    String trimmed = text.trim();
    if (trimmed.isEmpty()) {
      return new int[0];
    }
    return Arrays.stream(trimmed.split(" ")).mapToInt(Integer::parseInt).toArray();
  }

  private static long hex(String text) {
    return Long.parseUnsignedLong(text, 16);
  }
}
