package dev.etcdcache.server;

import dev.etcdcache.core.CachingClient;
import io.etcd.jetcd.api.ResponseHeader;
import java.util.concurrent.atomic.AtomicReference;

/**
 * etcd's response header for answers this server makes itself (watch cancel and progress
 * responses): cluster_id, member_id and raft_term as etcd last gave them, revision = the mirror's
 * applied revision (the cache's "current revision", as etcd uses its store's).
 *
 * <p>Thread-safe.
 */
final class ResponseHeaders {

  private final CachingClient client;
  private final AtomicReference<ResponseHeader> last = new AtomicReference<>(ResponseHeader.getDefaultInstance());

  ResponseHeaders(CachingClient client) {
    this.client = client;
  }

  /** Remembers the identity fields of a header etcd (or the mirror, from etcd's) produced. */
  void observe(ResponseHeader header) {
    if (header.getClusterId() == 0 && header.getMemberId() == 0) {
      return;
    }
    // Every stream of a fan-out observes the same header object: only the first one writes, so
    // a thousand streams do not contend on this reference.
    ResponseHeader a;
    do {
      a = last.get();
      if (a == header || header.getRaftTerm() < a.getRaftTerm()) {
        return;
      }
    } while (!last.compareAndSet(a, header));
  }

  /** The header etcd would put on a response made now. */
  ResponseHeader current() {
    ResponseHeader h = last.get();
    long revision = Math.max(h.getRevision(), client.status().appliedRevision());
    return h.toBuilder().setRevision(revision).build();
  }

  /** {@link #current()} with another revision. */
  ResponseHeader at(long revision) {
    return last.get().toBuilder().setRevision(revision).build();
  }
}
