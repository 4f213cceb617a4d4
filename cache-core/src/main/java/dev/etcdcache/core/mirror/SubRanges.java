package dev.etcdcache.core.mirror;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Chooses where each bootstrap page's key interval ends, so that one page costs etcd about one
 * page of keys.
 *
 * <p>Why: etcd 3.4 answers a Range by first collecting the revisions of every key in
 * {@code [key, range_end)} and only then applying the limit (3.5 still visits them all to count
 * them). Paging a million keys with an open end therefore walks the whole rest of the keyspace for
 * every page: quadratic, 4× one unpaginated Range at 1M keys. Bounding each page's interval to
 * about the keys the page will hold makes the walks add up to the keyspace once.
 *
 * <p>How: keys are read as fixed-width big-endian numbers (the first {@code width} bytes, padded
 * with zeros), so "where do the next {@code n} keys end" is a step on a number line. The step is
 * learnt from what etcd returned: the interval a page covered and how many keys it held. A guess
 * that is too long costs a longer walk (never more than an open end would) and the page comes back
 * full; too short, the page comes back short, nothing is lost, and the next step grows (at most
 * 16× per page, so an empty stretch of the keyspace costs a few cheap requests). When the keys of a
 * page are too close together for the width to tell apart, the width grows.
 *
 * <p>Correctness does not depend on any of this: consecutive intervals always tile the range
 * ({@code next start = this end}, or the key after the last one returned when the page was cut by
 * its limit), and every page is read at the same pinned revision.
 *
 * <p>Not thread-safe; one per range, used on the bootstrap's executor.
 */
final class SubRanges {

  /** Bytes beyond the shared prefix of a page's keys that the numbers resolve. */
  private static final int RESOLUTION = 8;
  /**
   * How much a short page may grow the step: an empty stretch costs log16(stretch) requests. Fast
   * growth overshoots more after a gap, but a walked key costs etcd ~0.1 µs and a request ~1 ms;
   * in simulations of 1M decimal and Kubernetes-like names at 3 MiB pages, 16 needed the fewest
   * requests (120 and 132 for ~100 pages of keys, with the count-based step below).
   */
  private static final int GROWTH = 16;
  /** Up to this many pages left, pages run open-ended to the range's end. */
  private static final int OPEN_PAGES = 8;
  /** How many pages of keys a step aims at after a full page (the page is still cut at one). */
  private static final int OVERSHOOT = 2;

  /** The range's exclusive end; null when it runs to the end of the keyspace. */
  private final byte[] rangeEnd;
  private int width;
  /** The current step, in units of the last of {@code width} bytes; null until learnt. */
  private BigInteger step;
  /** Keys of the range not read yet, known from the last open-ended page; -1 before one. */
  private long remaining = -1;

  SubRanges(byte[] rangeEnd) {
    this.rangeEnd = rangeEnd;
  }

  /**
   * Where the page starting at {@code start} should end, or null for the range's own end: no step
   * learnt yet, the step reaches past it, or at most {@value #OPEN_PAGES} pages of {@code pageKeys}
   * remain (walking them open-ended costs etcd less than the round trips of short pages would).
   */
  byte[] endFor(byte[] start, int pageKeys) {
    if (step == null || (remaining >= 0 && remaining <= (long) OPEN_PAGES * pageKeys)) {
      return null;
    }
    BigInteger end = number(start, width).add(step);
    if (end.bitLength() > width * 8) {
      return null;
    }
    byte[] e = bytes(end, width);
    return rangeEnd != null && Arrays.compareUnsigned(e, rangeEnd) >= 0 ? null : e;
  }

  /**
   * Learns from one page: it asked for {@code [start, end)} ({@code end} null: the range's end),
   * where etcd counted {@code count} keys, and held {@code keys} of them, the first and last being
   * {@code first} and {@code last}; {@code cut} when its limit stopped it before {@code end}.
   * {@code target} is how many keys the next page should hold.
   */
  void observe(byte[] start, byte[] end, long count, int keys, byte[] first, byte[] last, boolean cut,
      int target) {
    // Every page reads one pinned revision, so an open-ended page's count is exactly what is left.
    if (end == null) {
      remaining = count - keys;
    } else if (remaining >= 0) {
      remaining -= keys;
    }
    if (keys >= 2) {
      // Wide enough to tell this page's keys apart: past their shared prefix, RESOLUTION bytes.
      int needed = sharedPrefix(first, last) + RESOLUTION;
      if (needed > width) {
        if (step != null) {
          step = step.shiftLeft(8 * (needed - width));
        }
        width = needed;
      }
    }
    if (width == 0) {
      return;
    }
    BigInteger next;
    if (cut && end != null && count > keys) {
      // A bounded page cut by its limit: etcd counted the whole interval, gaps included, which
      // predicts the next interval better than the spread of the keys returned (simulated: half
      // the requests for decimal names, a quarter for Kubernetes-like ones).
      BigInteger covered = number(end, width).subtract(number(start, width)).max(BigInteger.ONE);
      next = covered.multiply(BigInteger.valueOf((long) target * OVERSHOOT)).divide(BigInteger.valueOf(count));
    } else if (cut) {
      // A full page: its own keys give the density (the stretch before its first key may be empty).
      // Aim at OVERSHOOT pages: a longer interval costs etcd a longer walk, a short page costs a
      // round trip; in simulations of decimal and Kubernetes-like names, 2 minimised both.
      BigInteger spread = number(last, width).subtract(number(first, width)).max(BigInteger.ONE);
      next = spread.multiply(BigInteger.valueOf((long) target * OVERSHOOT))
          .divide(BigInteger.valueOf(Math.max(1, keys - 1)));
    } else if (end != null) {
      // A short page held every key of [start, end): the interval was too short for `target`.
      BigInteger covered = number(end, width).subtract(number(start, width)).max(BigInteger.ONE);
      next = keys == 0
          ? covered.multiply(BigInteger.valueOf(GROWTH))
          : covered.multiply(BigInteger.valueOf(target)).divide(BigInteger.valueOf(keys));
      if (step != null) {
        next = next.min(step.multiply(BigInteger.valueOf(GROWTH))).max(step);
      }
    } else {
      return;
    }
    step = next.max(BigInteger.ONE);
  }

  /** The first {@code width} bytes of {@code key} as an unsigned number, zero-padded. */
  static BigInteger number(byte[] key, int width) {
    return new BigInteger(1, Arrays.copyOf(key, width));
  }

  /** {@code n} as exactly {@code width} big-endian bytes ({@code n} must fit). */
  static byte[] bytes(BigInteger n, int width) {
    byte[] raw = n.toByteArray();
    byte[] out = new byte[width];
    int copy = Math.min(raw.length, width);
    System.arraycopy(raw, raw.length - copy, out, width - copy, copy);
    return out;
  }

  private static int sharedPrefix(byte[] a, byte[] b) {
    int m = Arrays.mismatch(a, b);
    return m < 0 ? Math.min(a.length, b.length) : m;
  }
}
