package dev.etcdcache.benchmarks.cilium;

import dev.etcdcache.adapter.cilium.CiliumAdapter;
import dev.etcdcache.adapter.cilium.CiliumCache;
import dev.etcdcache.adapter.cilium.CiliumObject;
import dev.etcdcache.adapter.cilium.CiliumState;
import dev.etcdcache.adapter.cilium.IpIdentity;
import dev.etcdcache.adapter.cilium.IpPrefix;
import dev.etcdcache.adapter.cilium.LabelSet;
import dev.etcdcache.adapter.cilium.SecurityIdentity;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * IP → identity and identity-by-labels lookups on a {@code CiliumState} holding {@code endpoints}
 * endpoint IP mappings (half IPv4, half IPv6, shaped like Cilium's {@code IPIdentityPair}), 5,000
 * identities and CIDRs of every IPv4 length. {@code exactIpv4}/{@code exactIpv6} look up host
 * entries; {@code lpmIpv4}/{@code lpmIpv6} look up addresses no host entry holds, answered by the
 * longest covering CIDR; {@code identityByLabels} is a hash lookup by label set.
 *
 * <p>Decoded through {@code CiliumAdapter} from Cilium-shaped bytes and loaded through
 * {@code CiliumCache.open} over an in-memory view, so etcd is not involved.
 *
 * <pre>java -cp ... org.openjdk.jmh.Main CiliumLookupBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CiliumLookupBenchmark {

  private static final int MASK = 1023;

  @Param({"50000"})
  public int endpoints;

  private CiliumState state;
  private final int[] v4Hosts = new int[MASK + 1];
  private final int[] v4Misses = new int[MASK + 1];
  private final long[] v6HostsLo = new long[MASK + 1];
  private final long[] v6MissesLo = new long[MASK + 1];
  private final LabelSet[] labelSets = new LabelSet[MASK + 1];
  private long v6Hi;
  private int i;

  @Setup(Level.Trial)
  public void load() {
    CiliumAdapter adapter = CiliumAdapter.create();
    TreeMap<String, CiliumObject> objects = new TreeMap<>();
    Random r = new Random(1);
    for (int n = 0; n < 5_000; n++) {
      put(adapter, objects, "cilium/state/identities/v1/id/" + (100_000 + n),
          "k8s:app=app-" + n + ";k8s:io.cilium.k8s.policy.cluster=c;k8s:io.kubernetes.pod.namespace=ns-" + (n % 97) + ";");
    }
    IpPrefix v6Base = IpPrefix.parse("fd00:10:244:1::");
    v6Hi = v6Base.hi();
    for (int n = 0; n < endpoints; n++) {
      IpPrefix p = n % 2 == 0 ? IpPrefix.ipv4(0x0AF40000 + 2 * n) : new IpPrefix(true, v6Hi, 2L * n, 128);
      put(adapter, objects, "cilium/state/ip/v1/default/" + p, ipValue(p, 100_000 + r.nextInt(5_000)));
    }
    for (int length = 8; length <= 30; length++) {
      IpPrefix p = IpPrefix.fromBytes(new byte[] {10, (byte) 0xF4, 0, 0}, length);
      put(adapter, objects, "cilium/state/ip/v1/default/" + p, ipValue(p, 2));
    }
    IpPrefix v6Cidr = new IpPrefix(true, v6Hi, 0, 64);
    put(adapter, objects, "cilium/state/ip/v1/default/" + v6Cidr, ipValue(v6Cidr, 2));
    state = CiliumCache.open(new InMemoryView<>(objects, 1)).join().state();
    for (int k = 0; k <= MASK; k++) {
      int n = r.nextInt(endpoints / 2) * 2;
      v4Hosts[k] = 0x0AF40000 + 2 * n;
      v4Misses[k] = 0x0AF40000 + 2 * n + 1;   // odd: no host entry, the /30.. CIDRs answer
      v6HostsLo[k] = 2L * (n + 1);
      v6MissesLo[k] = 2L * (n + 1) + 1;
      labelSets[k] = state.identity(100_000 + r.nextInt(5_000)).map(SecurityIdentity::labels).orElseThrow();
    }
    if (state.lookupIpv4(v4Misses[0]) == null || state.lookupIpv6(v6Hi, v6MissesLo[0]) == null) {
      throw new IllegalStateException("LPM probes must hit a CIDR");
    }
  }

  @Benchmark
  public IpIdentity exactIpv4() {
    return state.lookupIpv4(v4Hosts[i++ & MASK]);
  }

  @Benchmark
  public IpIdentity lpmIpv4() {
    return state.lookupIpv4(v4Misses[i++ & MASK]);
  }

  @Benchmark
  public IpIdentity exactIpv6() {
    return state.lookupIpv6(v6Hi, v6HostsLo[i++ & MASK]);
  }

  @Benchmark
  public IpIdentity lpmIpv6() {
    return state.lookupIpv6(v6Hi, v6MissesLo[i++ & MASK]);
  }

  @Benchmark
  public List<SecurityIdentity> identityByLabels() {
    return state.identitiesByLabels(labelSets[i++ & MASK]);
  }

  private static void put(CiliumAdapter adapter, TreeMap<String, CiliumObject> objects, String key, String value) {
    objects.put(key, adapter.decode(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
  }

  private static String ipValue(IpPrefix p, long id) {
    return "{\"IP\":\"" + p.address() + "\",\"HostIP\":\"172.18.0.3\",\"ID\":" + id
        + ",\"Key\":0,\"Metadata\":\"\",\"K8sNamespace\":\"foo\",\"K8sPodName\":\"cep-001\",\"K8sServiceAccount\":\"default\"}";
  }
}
