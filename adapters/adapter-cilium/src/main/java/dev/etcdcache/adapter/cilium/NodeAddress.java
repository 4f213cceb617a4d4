package dev.etcdcache.adapter.cilium;

/**
 * One address of a node, {@code Node.IPAddresses[]}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param type the address type ({@code InternalIP}, {@code ExternalIP}, {@code CiliumInternalIP});
 *     older Cilium wrote it as {@code AddressType}
 * @param ip the address as written
 */
public record NodeAddress(String type, String ip) {}
