package dev.etcdcache.server;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;

/**
 * The keys of one range as one KV answers them, a page at a time, in key order. The first page is
 * read at {@code revision} or, when it is 0, serializably at whatever revision the KV holds (the
 * revision that page was served at is {@link #revision()}); every later page at that revision,
 * so the whole walk sees one state. Blocking; for the {@code verify} command.
 */
final class PagedRange implements Iterator<KeyValue> {

  private final KV kv;
  private final ByteSequence end;
  private final int pageKeys;
  private final long timeoutSeconds;
  private long revision;
  private byte[] next;
  private List<KeyValue> page = List.of();
  private int at;
  private boolean more = true;

  PagedRange(KV kv, byte[] from, byte[] end, long revision, int pageKeys, long timeoutSeconds) {
    this.kv = kv;
    this.next = from;
    this.end = ByteSequence.from(end);
    this.revision = revision;
    this.pageKeys = pageKeys;
    this.timeoutSeconds = timeoutSeconds;
  }

  /** The revision the walk reads at (after the first page when it was chosen by the KV). */
  long revision() {
    fill();
    return revision;
  }

  @Override
  public boolean hasNext() {
    fill();
    return at < page.size();
  }

  @Override
  public KeyValue next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return page.get(at++);
  }

  private void fill() {
    while (at >= page.size() && more) {
      GetOption.Builder option = GetOption.builder().withRange(end).withLimit(pageKeys);
      if (revision == 0) {
        option.withSerializable(true);
      } else {
        option.withRevision(revision);
      }
      GetResponse response;
      try {
        response = kv.get(ByteSequence.from(next), option.build()).get(timeoutSeconds, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e.getCause() != null ? e.getCause().getMessage() : e.toString(), e);
      }
      if (revision == 0) {
        revision = response.getHeader().getRevision();
      }
      page = response.getKvs();
      at = 0;
      more = response.isMore() && !page.isEmpty();
      if (more) {
        byte[] last = page.get(page.size() - 1).getKey().getBytes();
        next = Arrays.copyOf(last, last.length + 1);
      }
    }
  }
}
