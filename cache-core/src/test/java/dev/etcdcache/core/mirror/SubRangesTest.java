package dev.etcdcache.core.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Paging simulated over an in-memory key set, as etcd 3.4 pages: a request walks every key of its
 * interval, then returns the first {@code limit} of them. The intervals must tile the range (every
 * key once, in order), the walks must add up to a small multiple of the keyspace (decimal
 * names leave gaps on the number line, so some pages overshoot; a walked key costs etcd far less
 * than a round trip, so SubRanges trades walks for fewer requests), where open-ended pages walk
 * everything left each time: 100-200 times the keyspace for these sets; and the requests must stay
 * within a few per page.
 */
class SubRangesTest {

  private static final int PAGE = 500;

  /** What one simulated bootstrap did. */
  record Outcome(List<byte[]> read, long walked, int requests) {}

  static Outcome page(NavigableSet<byte[]> keys, byte[] from, byte[] rangeEnd) {
    return page(keys, from, rangeEnd, PAGE);
  }

  static Outcome page(NavigableSet<byte[]> keys, byte[] from, byte[] rangeEnd, int pageKeys) {
    SubRanges sub = new SubRanges(rangeEnd);
    List<byte[]> read = new ArrayList<>();
    long walked = 0;
    int requests = 0;
    byte[] start = from;
    while (true) {
      requests++;
      byte[] to = sub.endFor(start, pageKeys);
      byte[] end = to != null ? to : rangeEnd;
      NavigableSet<byte[]> interval = end == null ? keys.tailSet(start, true) : keys.subSet(start, true, end, false);
      walked += interval.size();
      List<byte[]> got = new ArrayList<>(pageKeys);
      for (byte[] k : interval) {
        if (got.size() == pageKeys) {
          break;
        }
        got.add(k);
      }
      boolean cut = interval.size() > pageKeys;
      read.addAll(got);
      byte[] first = got.isEmpty() ? null : got.get(0);
      byte[] last = got.isEmpty() ? null : got.get(got.size() - 1);
      sub.observe(start, to, interval.size(), got.size(), first, last, cut, pageKeys);
      if (cut) {
        start = Arrays.copyOf(last, last.length + 1);
      } else if (to != null) {
        start = to;
      } else {
        return new Outcome(read, walked, requests);
      }
      assertThat(requests).as("requests").isLessThan(100_000);
    }
  }

  private static NavigableSet<byte[]> keys(int n, IntFunction<byte[]> key) {
    NavigableSet<byte[]> set = new TreeSet<>(Arrays::compareUnsigned);
    for (int i = 0; i < n; i++) {
      set.add(key.apply(i));
    }
    return set;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertTilesAndWalksLittle(NavigableSet<byte[]> keys, byte[] from, byte[] rangeEnd,
      double maxWalkPerKey) {
    Outcome o = page(keys, from, rangeEnd);
    NavigableSet<byte[]> expected = rangeEnd == null ? keys.tailSet(from, true) : keys.subSet(from, true, rangeEnd, false);
    assertThat(o.read()).usingElementComparator(Arrays::compareUnsigned).containsExactlyElementsOf(expected);
    int n = expected.size();
    int pages = (n + PAGE - 1) / PAGE;
    assertThat(o.walked()).as("keys walked for %d keys (open-ended pages would walk about %d)", n,
        (long) n * pages / 2).isLessThanOrEqualTo((long) (maxWalkPerKey * n) + 2L * PAGE);
    assertThat(o.requests()).as("requests for %d pages", pages).isLessThanOrEqualTo(6 * pages + 40);
  }

  @Test
  void denseZeroPaddedKeysUnderALongPrefix_walkEachKeyAboutOnce() {
    NavigableSet<byte[]> keys = keys(200_000, i -> utf8(String.format("/registry/bench/ns%05d/item-%06d", i / 100, i)));
    assertTilesAndWalksLittle(keys, utf8("/registry/bench/"), utf8("/registry/bench0"), 12.0);
  }

  @Test
  void unpaddedKubernetesNames_walkLittle() {
    NavigableSet<byte[]> keys = keys(100_000, i -> utf8("/registry/pods/ns-" + (i % 37) + "/pod-" + i));
    assertTilesAndWalksLittle(keys, utf8("/registry/pods/"), utf8("/registry/pods0"), 12.0);
  }

  @Test
  void randomBinaryKeysOfEveryLength_wholeKeyspace() {
    Random random = new Random(7);
    NavigableSet<byte[]> keys = keys(60_000, i -> {
      byte[] k = new byte[1 + random.nextInt(40)];
      random.nextBytes(k);
      if (k[0] == 0) {
        k[0] = 1;
      }
      return k;
    });
    keys.add(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    keys.add(new byte[] {(byte) 0xff});
    assertTilesAndWalksLittle(keys, new byte[] {0}, null, 12.0);
  }

  @Test
  void twoDenseClustersFarApart_crossTheGapInFewRequests() {
    NavigableSet<byte[]> keys = keys(40_000, i -> utf8((i % 2 == 0 ? "a/" : "z/") + String.format("%08d", i)));
    assertTilesAndWalksLittle(keys, new byte[] {0}, null, 12.0);
  }

  @Test
  void clustersOfVeryDifferentDensity_walkLittle() {
    NavigableSet<byte[]> keys = keys(30_000, i -> utf8(i < 29_000
        ? "dense/" + String.format("%06d", i)
        : "sparse/" + (char) ('a' + (i % 26)) + "/" + i * 7919L));
    assertTilesAndWalksLittle(keys, new byte[] {0}, null, 12.0);
  }

  @Test
  void tinyRanges_areReadWhole() {
    assertTilesAndWalksLittle(keys(0, i -> null), utf8("p/"), utf8("p0"), 1.0);
    assertTilesAndWalksLittle(keys(1, i -> utf8("p/a")), utf8("p/"), utf8("p0"), 1.0);
    assertTilesAndWalksLittle(keys(PAGE + 1, i -> utf8("p/" + i)), utf8("p/"), utf8("p0"), 2.0);
  }
}
