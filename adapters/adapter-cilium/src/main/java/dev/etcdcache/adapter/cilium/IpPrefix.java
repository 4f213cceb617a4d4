package dev.etcdcache.adapter.cilium;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix (a host address is a prefix of full length), held as 128 bits in two
 * longs: IPv6 in {@code hi}/{@code lo}, IPv4 in the top 32 bits of {@code hi}. Bits past
 * {@code length} are always zero, so equal prefixes are equal records.
 *
 * <p>Immutable and thread-safe. Parsing accepts literals only; it never resolves a host name.
 *
 * @param ipv6 whether this is an IPv6 prefix
 * @param hi the first 64 address bits (IPv4: the address in bits 63..32)
 * @param lo the last 64 address bits (IPv4: zero)
 * @param length the prefix length, 0..32 for IPv4 and 0..128 for IPv6
 */
public record IpPrefix(boolean ipv6, long hi, long lo, int length) {

  /** Validates the length and that no bit past it is set. */
  public IpPrefix {
    int max = ipv6 ? 128 : 32;
    if (length < 0 || length > max) {
      throw new IllegalArgumentException("prefix length " + length + " out of 0.." + max);
    }
    if ((hi & ~maskHi(length)) != 0 || (lo & ~maskLo(length)) != 0) {
      throw new IllegalArgumentException("bits set past the prefix length " + length);
    }
  }

  /** The host prefix of an IPv4 address given as an int (network byte order, as Cilium keeps it). */
  public static IpPrefix ipv4(int address) {
    return new IpPrefix(false, (address & 0xFFFFFFFFL) << 32, 0, 32);
  }

  /**
   * Parses {@code "10.0.0.1"}, {@code "10.0.0.0/8"}, {@code "fd00::1"} or {@code "fd00::/64"}, as
   * Cilium writes them in ipcache keys ({@code PrefixString()}); bits past the length are masked.
   *
   * @throws IllegalArgumentException if the text is not an IP literal or CIDR
   */
  public static IpPrefix parse(String text) {
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    byte[] bytes = parseAddress(address);
    int max = bytes.length * 8;
    int length = max;
    if (slash >= 0) {
      try {
        length = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad prefix length in " + text, e);
      }
      if (length < 0 || length > max) {
        throw new IllegalArgumentException("prefix length out of range in " + text);
      }
    }
    return fromBytes(bytes, length);
  }

  /** The prefix of {@code length} bits of a 4- or 16-byte address. */
  public static IpPrefix fromBytes(byte[] address, int length) {
    long hi = bitsHi(address);
    long lo = bitsLo(address);
    return new IpPrefix(address.length == 16, hi & maskHi(length), lo & maskLo(length), length);
  }

  /** Whether this is a single address (full length). */
  public boolean isHost() {
    return length == (ipv6 ? 128 : 32);
  }

  /** Whether {@code other} (of the same family) lies inside this prefix. */
  public boolean contains(IpPrefix other) {
    return other.ipv6 == ipv6
        && other.length >= length
        && ((other.hi ^ hi) & maskHi(length)) == 0
        && ((other.lo ^ lo) & maskLo(length)) == 0;
  }

  /** The address bytes (4 or 16). */
  public byte[] toBytes() {
    byte[] out = new byte[ipv6 ? 16 : 4];
    for (int i = 0; i < out.length; i++) {
      long word = i < 8 ? hi : lo;
      out[i] = (byte) (word >>> (56 - 8 * (i % 8)));
    }
    return out;
  }

  /** The address alone, in canonical text form ({@code InetAddress#getHostAddress}, IPv6 compressed). */
  public String address() {
    byte[] b = toBytes();
    if (!ipv6) {
      return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
    }
    return compressIpv6(b);
  }

  /** {@code address} for a host, {@code address/length} otherwise, as Cilium's ipcache keys. */
  @Override
  public String toString() {
    return isHost() ? address() : address() + "/" + length;
  }

  // --- bit helpers shared with PrefixTrie through the package -------------------------------

  static long maskHi(int length) {
    return length <= 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
  }

  static long maskLo(int length) {
    return length <= 64 ? 0 : length >= 128 ? -1L : -1L << (128 - length);
  }

  static long bitsHi(byte[] a) {
    long v = 0;
    int n = Math.min(a.length, 8);
    for (int i = 0; i < n; i++) {
      v |= (a[i] & 0xFFL) << (56 - 8 * i);
    }
    return v;
  }

  static long bitsLo(byte[] a) {
    long v = 0;
    for (int i = 8; i < a.length; i++) {
      v |= (a[i] & 0xFFL) << (56 - 8 * (i - 8));
    }
    return v;
  }

  private static byte[] parseAddress(String address) {
    if (address.isEmpty()) {
      throw new IllegalArgumentException("empty address");
    }
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
      if (!ok) {
        // Only literals reach InetAddress, so it never does a DNS lookup.
        throw new IllegalArgumentException("not an IP literal: " + address);
      }
    }
    if (address.indexOf(':') < 0 && address.chars().filter(c -> c == '.').count() != 3) {
      throw new IllegalArgumentException("not an IP literal: " + address);
    }
    try {
      byte[] bytes = InetAddress.getByName(address).getAddress();
      if (address.indexOf(':') >= 0 && bytes.length == 4) {
        // InetAddress folds IPv4-mapped IPv6 (::ffff:a.b.c.d) to IPv4; Go's net.IP keeps it 16 bytes.
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(bytes, 0, mapped, 12, 4);
        return mapped;
      }
      return bytes;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP literal: " + address, e);
    }
  }

  private static String compressIpv6(byte[] b) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    // RFC 5952: the longest run (first if tied) of two or more zero groups becomes "::".
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }
}
