package dev.etcdcache.adapter.cilium;

/**
 * A port and protocol of a service frontend or backend, Cilium's {@code L4Addr}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param protocol {@code Protocol}: {@code TCP}, {@code UDP}, ...
 * @param port {@code Port} (uint16)
 */
public record L4Addr(String protocol, int port) {}
