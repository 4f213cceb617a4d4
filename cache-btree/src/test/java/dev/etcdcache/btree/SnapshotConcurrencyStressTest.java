package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readers walk snapshots while one writer publishes new versions through an {@link
 * AtomicReference}, as the mirror does. Every snapshot a reader takes must be internally
 * consistent however the threads interleave. Time-bounded; asserts nothing about speed.
 */
class SnapshotConcurrencyStressTest {

  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(3);

  @Test
  @Timeout(60)
  void readersWalkingSnapshots_whileWriterPublishes_seeConsistentVersions() throws Exception {
    AtomicReference<BPlusTree<Long>> published = new AtomicReference<>(BPlusTree.empty());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong versions = new AtomicLong();
    AtomicLong walks = new AtomicLong();

    Thread writer = new Thread(() -> write(published, stop, versions, failure), "writer");
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      long seed = r;
      readers.add(new Thread(() -> read(published, stop, walks, failure, seed), "reader-" + r));
    }
    writer.start();
    readers.forEach(Thread::start);
    long deadline = System.nanoTime() + RUN_NANOS;
    while (System.nanoTime() < deadline && failure.get() == null) {
      Thread.sleep(50);
    }
    stop.set(true);
    writer.join();
    for (Thread t : readers) {
      t.join();
    }
    assertThat(failure.get()).as("failure in a thread").isNull();
    assertThat(versions.get()).isPositive();
    assertThat(walks.get()).isPositive();
  }

  private static void write(
      AtomicReference<BPlusTree<Long>> published,
      AtomicBoolean stop,
      AtomicLong versions,
      AtomicReference<Throwable> failure) {
    try {
      Random rnd = new Random(99);
      long counter = 0;
      while (!stop.get()) {
        BPlusTree<Long> t = published.get();
        if (rnd.nextInt(4) == 0) {
          Batch<Long> b = t.batch();
          int edits = 1 + rnd.nextInt(500);
          for (int i = 0; i < edits; i++) {
            edit(b, rnd, counter++);
          }
          t = b.freeze();
        } else {
          byte[] k = key(rnd);
          t = rnd.nextInt(3) == 0 ? t.remove(k) : t.put(k, counter++);
        }
        published.set(t);
        versions.incrementAndGet();
      }
    } catch (Throwable e) {
      failure.compareAndSet(null, e);
    }
  }

  private static void edit(Batch<Long> b, Random rnd, long value) {
    byte[] k = key(rnd);
    if (rnd.nextInt(3) == 0) {
      b.remove(k);
    } else {
      b.put(k, value);
    }
  }

  private static byte[] key(Random rnd) {
    return ("/registry/k/" + rnd.nextInt(40_000)).getBytes(StandardCharsets.UTF_8);
  }

  /** Walks snapshots both ways and checks size, order and order statistics agree. */
  private static void read(
      AtomicReference<BPlusTree<Long>> published,
      AtomicBoolean stop,
      AtomicLong walks,
      AtomicReference<Throwable> failure,
      long seed) {
    try {
      Random rnd = new Random(seed);
      do {
        BPlusTree<Long> snap = published.get();
        int size = snap.size();
        byte[][] last = {null};
        int asc =
            snap.forEach(
                null,
                null,
                false,
                0,
                (k, v) -> {
                  if (last[0] != null && KeyOrder.compare(last[0], k) >= 0) {
                    throw new AssertionError("ascending walk out of order");
                  }
                  last[0] = k;
                  return true;
                });
        last[0] = null;
        int desc =
            snap.forEach(
                null,
                null,
                true,
                0,
                (k, v) -> {
                  if (last[0] != null && KeyOrder.compare(last[0], k) <= 0) {
                    throw new AssertionError("descending walk out of order");
                  }
                  last[0] = k;
                  return true;
                });
        check(asc == size && desc == size, "walk count differs from size " + size);
        check(snap.size() == size, "snapshot size changed");
        if (size > 0) {
          int i = rnd.nextInt(size);
          byte[] k = snap.keyAt(i);
          check(snap.rank(k) == i, "rank(keyAt(i)) != i");
          check(snap.get(k) != null, "keyAt key absent");
          check(snap.count(k, null) == size - i, "count from keyAt(i)");
        }
        walks.incrementAndGet();
      } while (!stop.get());
    } catch (Throwable e) {
      failure.compareAndSet(null, e);
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
