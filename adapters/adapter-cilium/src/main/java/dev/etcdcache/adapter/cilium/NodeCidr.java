package dev.etcdcache.adapter.cilium;

import java.util.Base64;

/**
 * A node's pod CIDR as Cilium serializes {@code cidr.CIDR}: {@code {"IP": "...", "Mask": "<base64>"}}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param ip the network address as written
 * @param mask the net.IPMask, base64 as written
 */
public record NodeCidr(String ip, String mask) {

  /**
   * The CIDR as a prefix: the mask's leading one bits give the length.
   *
   * @throws IllegalArgumentException if the address or mask is malformed
   */
  public IpPrefix prefix() {
    byte[] m = Base64.getDecoder().decode(mask);
    int length = 0;
    while (length < m.length * 8 && (m[length / 8] & (0x80 >>> (length % 8))) != 0) {
      length++;
    }
    IpPrefix address = IpPrefix.parse(ip);
    return IpPrefix.fromBytes(address.toBytes(), length);
  }
}
