package dev.etcdcache.e2e.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * The record of a run for the {@link HistoryChecker}: the state at the start revision, every write
 * and read with invocation and completion times ({@link System#nanoTime()}), every watcher's
 * deliveries, and optionally etcd's own log of the run's revisions (read back with a fresh watch)
 * to resolve writes whose outcome the writer did not learn.
 *
 * <p>Thread-safe and cheap: recording appends to lock-free queues.
 */
public final class History {
  /** Values longer than this are recorded as a digest. */
  private static final int DIGEST_ABOVE = 64;

  private final ConcurrentLinkedQueue<WriteOp> writes = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<ReadOp> reads = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<WatchLog> watches = new ConcurrentLinkedQueue<>();
  private final AtomicInteger watchIds = new AtomicInteger();
  private final Object lock = new Object();
  private long initialRevision;
  private Map<String, KeyValueRecord> initialState = Map.of();
  private List<EtcdRevision> etcdLog;
  private long etcdCompactRevision = -1;

  /** The state every later operation starts from: the keys at {@code revision} (empty by default, at revision 0). */
  public void initialState(long revision, List<KeyValueRecord> kvs) {
    Map<String, KeyValueRecord> state = new TreeMap<>();
    for (KeyValueRecord kv : kvs) {
      state.put(kv.key(), kv);
    }
    synchronized (lock) {
      initialRevision = revision;
      initialState = state;
    }
  }

  /** etcd's own log of every revision after the initial one, in order; overrides the writers' record as the truth. */
  public void etcdLog(List<EtcdRevision> log) {
    synchronized (lock) {
      etcdLog = List.copyOf(log);
    }
  }

  /**
   * etcd's compact revision at the end of the run (0: never compacted), when the recorder knows
   * every compaction; a watcher's compaction error must then carry no higher revision.
   */
  public void etcdCompactRevision(long revision) {
    if (revision < 0) {
      throw new IllegalArgumentException("compact revision must be >= 0: " + revision);
    }
    synchronized (lock) {
      etcdCompactRevision = revision;
    }
  }

  /** etcd's compact revision as given to {@link #etcdCompactRevision(long)}, or -1 if unknown. */
  public long etcdCompactRevision() {
    synchronized (lock) {
      return etcdCompactRevision;
    }
  }

  public void write(WriteOp write) {
    writes.add(Objects.requireNonNull(write));
  }

  public void read(ReadOp read) {
    reads.add(Objects.requireNonNull(read));
  }

  /** A new watcher's record, to be filled from its listener. */
  public WatchLog watch(int client, String key, String rangeEnd, long startRevision) {
    WatchLog log = new WatchLog(watchIds.incrementAndGet(), client, key, rangeEnd, startRevision);
    watches.add(log);
    return log;
  }

  public long initialRevision() {
    synchronized (lock) {
      return initialRevision;
    }
  }

  public Map<String, KeyValueRecord> initialStateMap() {
    synchronized (lock) {
      return initialState;
    }
  }

  /** etcd's log, or null if none was given. */
  public List<EtcdRevision> etcdLog() {
    synchronized (lock) {
      return etcdLog;
    }
  }

  public List<WriteOp> writes() {
    return new ArrayList<>(writes);
  }

  public List<ReadOp> reads() {
    return new ArrayList<>(reads);
  }

  public List<WatchLog> watches() {
    return new ArrayList<>(watches);
  }

  /**
   * A value as recorded: the bytes as ISO-8859-1 text up to 64 bytes, else its length and two
   * checksums (a 1.5 MiB value is compared without keeping it).
   */
  public static String digest(byte[] value) {
    if (value.length <= DIGEST_ABOVE) {
      return new String(value, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    CRC32 crc = new CRC32();
    crc.update(value);
    return "#" + value.length + ":" + Long.toHexString(crc.getValue()) + ":" + Integer.toHexString(java.util.Arrays.hashCode(value));
  }
}
