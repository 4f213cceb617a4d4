package dev.etcdcache.adapter.cilium;

/**
 * Receives typed Cilium changes from a {@link CiliumCache}. Both methods default to doing
 * nothing, so a listener implements only what it needs.
 *
 * <p>Calls are serial and in revision order, on the view's delivery thread (on the cache's apply
 * thread for a cache opened with {@link CiliumCache#openInline}, where a callback must never block),
 * after the
 * {@link CiliumState} holding the change is published (so {@link CiliumCache#state()} called from
 * a callback already answers with it). A slow callback delays the cache's next state: hand heavy
 * work to an executor. An exception is counted ({@link CiliumCache#listenerFailures()}), logged
 * once, and does not stop other listeners or the cache.
 */
public interface CiliumListener {

  /** An identity was added or removed. */
  default void onIdentityChange(IdentityChange change) {}

  /** The entry an IP cache prefix resolves to changed. */
  default void onIpMappingChange(IpMappingChange change) {}
}
