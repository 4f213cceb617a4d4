package dev.etcdcache.adapter.cilium;

import static dev.etcdcache.adapter.cilium.BruteForce.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheView;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 50,000 endpoint IP mappings shaped like the real {@code ip-identities.jsonl} records, 5,000
 * identities and CIDR entries of every IPv4 and many IPv6 prefix lengths in real etcd; then rounds
 * of random puts, updates and deletes. After the load and after every round each lookup of the
 * cache's state equals the answer computed from a direct etcd read at the same revision.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CiliumCacheScaleTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final int ENDPOINTS = 50_000;
  private static final int IDENTITIES = 5_000;
  private static final int ROUNDS = 5;
  private static final int CHANGES_PER_ROUND = 500;

  private final CiliumAdapter adapter = CiliumAdapter.create();
  private final Random random = new Random(42);
  private final List<String> ipKeys = new ArrayList<>();
  private final List<IpPrefix> ipPrefixes = new ArrayList<>();
  private KV direct;

  @Test
  void lookups_50kEndpointsAndRandomChanges_matchBruteForceAfterEveryRound() throws Exception {
    direct = ETCD.client().getKVClient();
    direct.delete(bytes("cilium/"), DeleteOption.builder().isPrefix(true).build()).get();
    long revision = 0;
    List<CompletableFuture<Long>> pending = new ArrayList<>();
    for (int i = 0; i < IDENTITIES; i++) {
      pending.add(put("cilium/state/identities/v1/id/" + (100_000 + i), labels(i)));
    }
    for (int i = 0; i < ENDPOINTS; i++) {
      IpPrefix p = i % 2 == 0 ? IpPrefix.ipv4(0x0AF40000 + i) : IpPrefix.parse("fd00:10:244:" + (i % 7) + "::" + Integer.toHexString(i));
      pending.add(putIp(p, 100_000 + random.nextInt(IDENTITIES)));
      revision = flushIfFull(pending, revision);
    }
    for (int length = 0; length <= 32; length++) {
      pending.add(putIp(IpPrefix.fromBytes(new byte[] {10, (byte) 0xF4, 0, 0}, length), 2 + length));
      pending.add(putIp(IpPrefix.fromBytes(new byte[] {(byte) 192, (byte) 168, 7, 9}, length), 2 + length));
    }
    for (int length = 0; length <= 128; length += 4) {
      byte[] v6 = IpPrefix.parse("fd00:10:244:3::1").toBytes();
      pending.add(putIp(IpPrefix.fromBytes(v6, length), 16_777_216 + length));
    }
    revision = Math.max(revision, flush(pending));

    // The view and the cache start after the load: the initial state comes from the view's snapshot.
    try (CachingClient client = CachingClient.builder(ETCD.client()).build()) {
      assertThat(client.awaitReady(Duration.ofSeconds(60))).isTrue();
      CacheView<CiliumObject> view = client.view(adapter.keys().viewPrefix(), adapter);
      CiliumCache cilium = CiliumCache.open(view).get(60, TimeUnit.SECONDS);
      check(cilium, revision);
      assertThat(cilium.state().ipPrefixCount()).isGreaterThanOrEqualTo(ENDPOINTS);
      assertThat(cilium.state().identityCount()).isEqualTo(IDENTITIES);
      for (int round = 0; round < ROUNDS; round++) {
        for (int c = 0; c < CHANGES_PER_ROUND; c++) {
          pending.add(randomChange());
        }
        revision = Math.max(revision, flush(pending));
        check(cilium, revision);
      }
      assertThat(view.decodeFailures()).isZero();
      cilium.close();
      view.close();
    }
  }

  private void check(CiliumCache cilium, long revision) throws Exception {
    CiliumState state = cilium.awaitRevision(revision).get(120, TimeUnit.SECONDS);
    List<IpPrefix> probes = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      IpPrefix base = ipPrefixes.get(random.nextInt(ipPrefixes.size()));
      byte[] b = base.toBytes();
      b[b.length - 1] ^= (byte) random.nextInt(256);   // near an entry: often only a CIDR covers it
      if (random.nextBoolean()) {
        b[b.length / 2] ^= (byte) random.nextInt(4);
      }
      probes.add(IpPrefix.fromBytes(b, b.length * 8));
    }
    BruteForce.read(direct, adapter, "cilium/", revision).assertMatches(state, probes);
  }

  private CompletableFuture<Long> randomChange() {
    int kind = random.nextInt(10);
    if (kind < 4) {   // an endpoint moves to another identity (or is re-put unchanged)
      return putIp(ipPrefixes.get(random.nextInt(ipPrefixes.size())), 100_000 + random.nextInt(IDENTITIES));
    } else if (kind < 6) {   // an endpoint goes away
      return delete(ipKeys.get(random.nextInt(ipKeys.size())));
    } else if (kind < 8) {   // a new endpoint or CIDR of random length
      byte[] b = new byte[random.nextBoolean() ? 4 : 16];
      random.nextBytes(b);
      b[0] = (byte) (b.length == 4 ? 10 : 0xFD);
      return putIp(IpPrefix.fromBytes(b, random.nextInt(b.length * 8 + 1)), 100_000 + random.nextInt(IDENTITIES));
    } else if (kind < 9) {   // an identity is relabelled or created
      int i = random.nextInt(IDENTITIES + 100);
      return put("cilium/state/identities/v1/id/" + (100_000 + i), labels(random.nextInt(IDENTITIES)));
    }
    return delete("cilium/state/identities/v1/id/" + (100_000 + random.nextInt(IDENTITIES)));
  }

  /** An IPIdentityPair as Cilium's agent writes it for a pod (the shape of ip-identities.jsonl). */
  private CompletableFuture<Long> putIp(IpPrefix prefix, long id) {
    String key = "cilium/state/ip/v1/default/" + prefix;
    ipKeys.add(key);
    ipPrefixes.add(prefix);
    int n = ipKeys.size();
    String value = "{\"IP\":\"" + prefix.address() + "\",\"HostIP\":\"172.18.0." + (2 + n % 50) + "\",\"ID\":" + id
        + ",\"Key\":0,\"Metadata\":\"\",\"K8sNamespace\":\"ns-" + (n % 97) + "\",\"K8sPodName\":\"pod-" + n
        + "\",\"K8sServiceAccount\":\"default\"" + (n % 3 == 0
            ? ",\"NamedPorts\":[{\"Name\":\"http\",\"Port\":8080,\"Protocol\":\"TCP\"}]" : "") + "}";
    return put(key, value);
  }

  private static String labels(int i) {
    return "k8s:app=app-" + i + ";k8s:io.cilium.k8s.policy.cluster=cluster3;k8s:io.kubernetes.pod.namespace=ns-"
        + (i % 97) + ";";
  }

  private CompletableFuture<Long> put(String key, String value) {
    return direct.put(bytes(key), ByteSequence.from(value, StandardCharsets.UTF_8))
        .thenApply(r -> r.getHeader().getRevision());
  }

  private CompletableFuture<Long> delete(String key) {
    return direct.delete(bytes(key)).thenApply(r -> r.getHeader().getRevision());
  }

  private static long flushIfFull(List<CompletableFuture<Long>> pending, long revision) throws Exception {
    return pending.size() < 256 ? revision : Math.max(revision, flush(pending));
  }

  /** Waits for every pending write; the highest revision among them. */
  private static long flush(List<CompletableFuture<Long>> pending) throws Exception {
    long max = 0;
    for (CompletableFuture<Long> f : pending) {
      max = Math.max(max, f.get(60, TimeUnit.SECONDS));
    }
    pending.clear();
    return max;
  }
}
