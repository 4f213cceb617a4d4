package dev.etcdcache.adapter.cilium;

import java.util.List;
import java.util.Objects;

/**
 * One IP cache entry, {@code ip/v1/<address space>/<ip or cidr>} → Cilium's {@code IPIdentityPair}
 * JSON: which security identity an address or CIDR belongs to, and where it lives.
 *
 * <p>{@code addressSpace} and {@code prefix} come from the key; the rest from the value. Fields a
 * newer Cilium adds are ignored when decoding. Immutable and thread-safe.
 *
 * @param addressSpace the key's address space segment ({@code default} in real data, even in a named cluster)
 * @param prefix the address or CIDR of the key
 * @param ip the value's {@code IP}
 * @param mask the value's {@code Mask} (base64 of the net.IPMask), or null when absent or null
 * @param hostIp the value's {@code HostIP}: the node (tunnel endpoint) the address lives on
 * @param id the value's {@code ID}, the numeric security identity
 * @param encryptionKey the value's {@code Key}, the encryption key index (uint8)
 * @param metadata the value's {@code Metadata}
 * @param k8sNamespace {@code K8sNamespace}, or null
 * @param k8sPodName {@code K8sPodName}, or null
 * @param k8sPodUid {@code K8sPodUID}, or null
 * @param k8sServiceAccount {@code K8sServiceAccount}, or null
 * @param namedPorts {@code NamedPorts}, empty when absent
 */
public record IpIdentity(
    String addressSpace,
    IpPrefix prefix,
    String ip,
    String mask,
    String hostIp,
    long id,
    int encryptionKey,
    String metadata,
    String k8sNamespace,
    String k8sPodName,
    String k8sPodUid,
    String k8sServiceAccount,
    List<NamedPort> namedPorts)
    implements CiliumObject {

  /** Validates the parts and copies the port list. */
  public IpIdentity {
    Objects.requireNonNull(addressSpace, "addressSpace");
    Objects.requireNonNull(prefix, "prefix");
    if (id < 0 || id > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("identity out of uint32 range: " + id);
    }
    if (encryptionKey < 0 || encryptionKey > 0xFF) {
      throw new IllegalArgumentException("encryption key out of uint8 range: " + encryptionKey);
    }
    namedPorts = namedPorts == null ? List.of() : List.copyOf(namedPorts);
  }
}
