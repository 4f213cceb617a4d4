package dev.etcdcache.adapter.cilium;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpPrefixTest {

  @Test
  void parse_hostsAndCidrs_roundTripToCiliumKeyText() throws Exception {
    for (String s : new String[] {"10.244.1.79", "0.0.0.0/0", "10.0.0.0/8", "fd00:10:244:1::d643", "::/0",
        "fd00::/64", "2001:db8::1:0:0:1", "::1", "1::"}) {
      assertThat(IpPrefix.parse(s).toString()).isEqualTo(s);
    }
    IpPrefix p = IpPrefix.parse("fd00:10:244:1::d643");
    assertThat(p.toBytes()).isEqualTo(InetAddress.getByName("fd00:10:244:1::d643").getAddress());
  }

  @Test
  void parse_cidrWithHostBits_masksThem() {
    assertThat(IpPrefix.parse("10.1.2.3/8")).isEqualTo(IpPrefix.parse("10.0.0.0/8"));
  }

  @Test
  void parse_hostNames_areRejectedWithoutLookup() {
    assertThatThrownBy(() -> IpPrefix.parse("localhost")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpPrefix.parse("10.0.0")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void contains_nestedPrefixes_onlySameFamily() {
    assertThat(IpPrefix.parse("10.0.0.0/8").contains(IpPrefix.parse("10.1.0.0/16"))).isTrue();
    assertThat(IpPrefix.parse("10.1.0.0/16").contains(IpPrefix.parse("10.0.0.0/8"))).isFalse();
    assertThat(IpPrefix.parse("::/0").contains(IpPrefix.parse("10.0.0.1"))).isFalse();
  }
}
