package dev.etcdcache.adapter.cilium;

/**
 * A named port of an endpoint, as in {@code IPIdentityPair.NamedPorts}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the port's name
 * @param port the port number (uint16)
 * @param protocol {@code TCP}, {@code UDP}, {@code SCTP}, ...
 */
public record NamedPort(String name, int port, String protocol) {

  /** Validates the port range. */
  public NamedPort {
    if (port < 0 || port > 0xFFFF) {
      throw new IllegalArgumentException("port out of uint16 range: " + port);
    }
  }
}
