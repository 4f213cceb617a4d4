package dev.etcdcache.adapter.cilium;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrefixTrieTest {

  @Test
  void randomPutsAndRemoves_matchBruteForce_forBothFamilies() {
    for (boolean ipv6 : new boolean[] {false, true}) {
      Random random = new Random(ipv6 ? 7 : 11);
      PrefixTrie<String> trie = PrefixTrie.empty();
      Map<IpPrefix, String> model = new HashMap<>();
      List<IpPrefix> used = new ArrayList<>();
      for (int step = 0; step < 20_000; step++) {
        IpPrefix p = !used.isEmpty() && random.nextInt(3) == 0
            ? used.get(random.nextInt(used.size())) : randomPrefix(random, ipv6);
        if (random.nextInt(4) == 0) {
          trie = trie.remove(p.hi(), p.lo(), p.length());
          model.remove(p);
        } else {
          String v = "v" + step;
          trie = trie.put(p.hi(), p.lo(), p.length(), v);
          model.put(p, v);
          used.add(p);
        }
        assertThat(trie.size()).isEqualTo(model.size());
        if (step % 50 == 0) {
          for (int q = 0; q < 20; q++) {
            IpPrefix a = q % 2 == 0 && !used.isEmpty()
                ? host(used.get(random.nextInt(used.size())), random) : host(randomPrefix(random, ipv6), random);
            assertThat(trie.longestMatch(a.hi(), a.lo())).isEqualTo(bruteForce(model, a));
            IpPrefix e = used.isEmpty() ? a : used.get(random.nextInt(used.size()));
            assertThat(trie.get(e.hi(), e.lo(), e.length())).isEqualTo(model.get(e));
          }
        }
      }
    }
  }

  @Test
  void put_leavesEarlierTriesUnchanged() {
    PrefixTrie<String> a = PrefixTrie.empty();
    IpPrefix p = IpPrefix.parse("10.0.0.0/8");
    PrefixTrie<String> b = a.put(p.hi(), p.lo(), p.length(), "x");
    PrefixTrie<String> c = b.remove(p.hi(), p.lo(), p.length());
    IpPrefix addr = IpPrefix.parse("10.1.2.3");
    assertThat(a.longestMatch(addr.hi(), addr.lo())).isNull();
    assertThat(b.longestMatch(addr.hi(), addr.lo())).isEqualTo("x");
    assertThat(c.longestMatch(addr.hi(), addr.lo())).isNull();
  }

  /** Prefixes clustered in a small space so they nest and collide often. */
  private static IpPrefix randomPrefix(Random r, boolean ipv6) {
    byte[] b = new byte[ipv6 ? 16 : 4];
    b[0] = (byte) (ipv6 ? 0xFD : 10);
    for (int i = 1; i < b.length; i++) {
      b[i] = (byte) (r.nextInt(4));
    }
    int max = b.length * 8;
    int length = r.nextInt(3) == 0 ? max : r.nextInt(max + 1);
    return IpPrefix.fromBytes(b, length);
  }

  /** A random host address inside {@code p}. */
  private static IpPrefix host(IpPrefix p, Random r) {
    byte[] b = p.toBytes();
    for (int bit = p.length(); bit < b.length * 8; bit++) {
      if (r.nextInt(8) == 0) {
        b[bit / 8] |= (byte) (0x80 >>> (bit % 8));
      }
    }
    return IpPrefix.fromBytes(b, b.length * 8);
  }

  private static String bruteForce(Map<IpPrefix, String> model, IpPrefix address) {
    IpPrefix best = null;
    for (IpPrefix p : model.keySet()) {
      if (p.contains(address) && (best == null || p.length() > best.length())) {
        best = p;
      }
    }
    return best == null ? null : model.get(best);
  }
}
