package dev.etcdcache.e2e.history;

import java.util.ArrayList;
import java.util.List;

/**
 * What one watcher received, recorded from its listener: events in arrival order, errors, the
 * compaction error's compact revision, completion. Thread-safe (listener threads record, the
 * checker reads after the watcher is closed).
 */
public final class WatchLog {
  private final int id;
  private final int client;
  private final String key;
  private final String rangeEnd;
  private final long startRevision;
  private final List<WatchEventRecord> events = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private long compactRevision;
  private boolean completed;
  private long lastRevision;

  WatchLog(int id, int client, String key, String rangeEnd, long startRevision) {
    if (startRevision <= 0) {
      throw new IllegalArgumentException("a checked watcher needs an explicit start revision: " + startRevision);
    }
    this.id = id;
    this.client = client;
    this.key = key;
    this.rangeEnd = rangeEnd;
    this.startRevision = startRevision;
  }

  public synchronized void event(WatchEventRecord event) {
    events.add(event);
    lastRevision = Math.max(lastRevision, event.revision());
  }

  /** A failure; {@code compactRevision > 0} marks etcd's compaction error (the watcher ends). */
  public synchronized void error(String message, long compactRevision) {
    errors.add(message);
    if (compactRevision > 0) {
      this.compactRevision = compactRevision;
    }
  }

  public synchronized void completed() {
    completed = true;
  }

  /** The highest revision received so far (0 if none). */
  public synchronized long lastRevision() {
    return lastRevision;
  }

  /** Whether the watcher ended (completed, or a compaction error). */
  public synchronized boolean ended() {
    return completed || compactRevision > 0;
  }

  public synchronized List<WatchEventRecord> events() {
    return List.copyOf(events);
  }

  public synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  public synchronized long compactRevision() {
    return compactRevision;
  }

  public int id() {
    return id;
  }

  public int client() {
    return client;
  }

  public String key() {
    return key;
  }

  public String rangeEnd() {
    return rangeEnd;
  }

  public long startRevision() {
    return startRevision;
  }

  @Override
  public String toString() {
    return "watcher#" + id + " of " + key + (rangeEnd == null ? "" : ".." + rangeEnd) + " from " + startRevision;
  }
}
