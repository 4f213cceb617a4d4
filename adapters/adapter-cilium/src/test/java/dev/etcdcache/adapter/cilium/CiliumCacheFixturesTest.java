package dev.etcdcache.adapter.cilium;

import static dev.etcdcache.adapter.cilium.BruteForce.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheView;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real Cilium fixtures in real etcd under their real keys, through a view and a CiliumCache. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CiliumCacheFixturesTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private final CiliumAdapter adapter = CiliumAdapter.create();
  private final List<IdentityChange> identityChanges = new CopyOnWriteArrayList<>();
  private final List<IpMappingChange> ipChanges = new CopyOnWriteArrayList<>();
  private KV direct;
  private CachingClient client;
  private CacheView<CiliumObject> view;
  private CiliumCache cilium;

  @BeforeEach
  void start() throws Exception {
    direct = ETCD.client().getKVClient();
    direct.delete(bytes("cilium/"), DeleteOption.builder().isPrefix(true).build()).get();
    client = CachingClient.builder(ETCD.client()).build();
    assertThat(client.awaitReady(Duration.ofSeconds(30))).isTrue();
    view = client.view(adapter.keys().viewPrefix(), adapter);
    cilium = CiliumCache.open(view).get(30, TimeUnit.SECONDS);
    cilium.addListener(new CiliumListener() {
      @Override
      public void onIdentityChange(IdentityChange change) {
        identityChanges.add(change);
      }

      @Override
      public void onIpMappingChange(IpMappingChange change) {
        ipChanges.add(change);
      }
    });
  }

  @AfterEach
  void stop() {
    cilium.close();
    view.close();
    client.close();
  }

  @Test
  void lookups_allFixturesLoaded_equalBruteForceAtTheSameRevision() throws Exception {
    Map<String, byte[]> latest = new LinkedHashMap<>();
    for (Fixtures.Record r : Fixtures.allStored()) {
      latest.put(r.key(), r.value());
    }
    long revision = 0;
    for (Map.Entry<String, byte[]> e : latest.entrySet()) {
      revision = put(e.getKey(), e.getValue());
    }
    // Not decodable, or not Cilium objects at all: counted or left out, never breaking the rest.
    put("cilium/state/endpointslices/v1/cluster3/test/echo-kvlm2", new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 1});
    put("cilium/.heartbeat", "2026-01-01T00:00:00Z".getBytes());
    put("cilium/state/identities/v1/value/k8s:app=baz;k8s:io.cilium.k8s.policy.cluster=cluster3;k8s:io.kubernetes.pod.namespace=bar;/172.18.0.2",
        "214794".getBytes());
    put("cilium/state/ip/v1/default/10.244.0.0/16", cidrEntry("10.244.0.0", 16777217));
    put("cilium/state/ip/v1/default/10.0.0.0/8", cidrEntry("10.0.0.0", 2));
    put("cilium/state/ip/v1/default/fd00:10:244::/48", cidrEntry("fd00:10:244::", 16777218));
    revision = put("cilium/state/ip/v1/default/0.0.0.0/0", cidrEntry("0.0.0.0", 2));

    CiliumState state = cilium.awaitRevision(revision).get(30, TimeUnit.SECONDS);
    BruteForce expected = BruteForce.read(direct, adapter, "cilium/", revision);
    expected.assertMatches(state, probes());
    assertThat(state.unsupported()).singleElement().satisfies(u -> assertThat(u.kind()).isEqualTo("endpointslices/v1"));
    assertThat(state.lookup("10.244.1.80").orElseThrow().id()).isEqualTo(199472);   // host entry
    assertThat(state.lookup("10.244.7.7").orElseThrow().id()).isEqualTo(16777217);  // /16 over /8 over /0
    assertThat(state.lookup("192.168.0.1").orElseThrow().id()).isEqualTo(2);        // world
    assertThat(state.lookup("fd00:10:244:9::1").orElseThrow().id()).isEqualTo(16777218);
    assertThat(state.lookup("fd01::1")).isEmpty();
    assertThat(state.nodesByAddress("10.244.0.135")).extracting(CiliumNode::name).containsExactly("test-node-1");
    assertThat(state.servicesByFrontend("10.96.0.20")).extracting(ClusterService::namespace).containsExactly("ns-beta");
    assertThat(view.decodeFailures()).isZero();
  }

  @Test
  void replay_snapshotSteps_everyStepMatchesBruteForceAndTypedEventsMatchTheDiff() throws Exception {
    int checked = 0;
    for (String file : List.of("identities.jsonl", "ip-identities.jsonl", "nodes.jsonl", "services.jsonl",
        "cluster-config.jsonl")) {
      Map<String, byte[]> current = new LinkedHashMap<>();
      long revision = cilium.state().revision();
      for (Map<String, byte[]> step : Fixtures.steps(file)) {
        identityChanges.clear();
        ipChanges.clear();
        List<IdentityChange> expectedIdentity = new ArrayList<>();
        List<IpMappingChange> expectedIp = new ArrayList<>();
        for (String key : new ArrayList<>(current.keySet())) {
          if (!step.containsKey(key)) {
            revision = direct.delete(bytes(key)).get().getHeader().getRevision();
            expect(key, current.remove(key), null, revision, expectedIdentity, expectedIp);
          }
        }
        for (Map.Entry<String, byte[]> e : step.entrySet()) {
          byte[] before = current.get(e.getKey());
          if (!Arrays.equals(before, e.getValue())) {
            revision = put(e.getKey(), e.getValue());
            current.put(e.getKey(), e.getValue());
            expect(e.getKey(), before, e.getValue(), revision, expectedIdentity, expectedIp);
          }
        }
        CiliumState state = cilium.awaitRevision(revision).get(30, TimeUnit.SECONDS);
        BruteForce.read(direct, adapter, "cilium/", revision).assertMatches(state, probes());
        assertThat(identityChanges).as("%s step %d", file, checked).isEqualTo(expectedIdentity);
        assertThat(ipChanges).as("%s step %d", file, checked).isEqualTo(expectedIp);
        checked++;
      }
    }
    assertThat(checked).isEqualTo(4 + 13 + 3 + 4 + 1);
  }

  @Test
  void inlineCache_replaySteps_sameStatesAndTypedEventsAsTheQueuedOne() throws Exception {
    List<IdentityChange> inlineIdentity = new CopyOnWriteArrayList<>();
    List<IpMappingChange> inlineIp = new CopyOnWriteArrayList<>();
    List<String> inlineThreads = new CopyOnWriteArrayList<>();
    try (CiliumCache inline = CiliumCache.openInline(view).get(30, TimeUnit.SECONDS)) {
      inline.addListener(new CiliumListener() {
        @Override
        public void onIdentityChange(IdentityChange change) {
          inlineIdentity.add(change);
          inlineThreads.add(Thread.currentThread().getName());
        }

        @Override
        public void onIpMappingChange(IpMappingChange change) {
          inlineIp.add(change);
          inlineThreads.add(Thread.currentThread().getName());
        }
      });
      int checked = 0;
      for (String file : List.of("identities.jsonl", "ip-identities.jsonl")) {
        Map<String, byte[]> current = new LinkedHashMap<>();
        long revision = cilium.state().revision();
        for (Map<String, byte[]> step : Fixtures.steps(file)) {
          for (String key : new ArrayList<>(current.keySet())) {
            if (!step.containsKey(key)) {
              revision = direct.delete(bytes(key)).get().getHeader().getRevision();
              current.remove(key);
            }
          }
          for (Map.Entry<String, byte[]> e : step.entrySet()) {
            if (!Arrays.equals(current.get(e.getKey()), e.getValue())) {
              revision = put(e.getKey(), e.getValue());
              current.put(e.getKey(), e.getValue());
            }
          }
          cilium.awaitRevision(revision).get(30, TimeUnit.SECONDS);
          CiliumState state = inline.awaitRevision(revision).get(30, TimeUnit.SECONDS);
          BruteForce.read(direct, adapter, "cilium/", revision).assertMatches(state, probes());
          assertThat(inlineIdentity).as("%s step %d", file, checked).isEqualTo(identityChanges);
          assertThat(inlineIp).as("%s step %d", file, checked).isEqualTo(ipChanges);
          checked++;
        }
      }
      assertThat(inlineIp).isNotEmpty();
      // On the applier of each revision: the mirror's apply thread, or jetcd's event loop that
      // received a small revision and applied it itself.
      assertThat(inlineThreads).allMatch(t -> t.equals("etcd-cache-mirror") || t.startsWith("vert.x-eventloop"));
    }
  }

  @Test
  void state_heldEarlier_keepsAnsweringAtItsRevision() throws Exception {
    Fixtures.Record r = Fixtures.read("ip-identities.jsonl").get(0);
    long first = put(r.key(), r.value());
    CiliumState before = cilium.awaitRevision(first).get(30, TimeUnit.SECONDS);
    long second = direct.delete(bytes(r.key())).get().getHeader().getRevision();
    CiliumState after = cilium.awaitRevision(second).get(30, TimeUnit.SECONDS);
    assertThat(before.lookup("10.244.1.79")).isPresent();
    assertThat(after.lookup("10.244.1.79")).isEmpty();
  }

  // --- helpers -------------------------------------------------------------------------------

  /** The typed changes one key's put or delete must produce. */
  private void expect(String key, byte[] before, byte[] after, long revision, List<IdentityChange> identity,
      List<IpMappingChange> ip) {
    CiliumObject b = before == null ? null : adapter.decode(key.getBytes(), before);
    CiliumObject a = after == null ? null : adapter.decode(key.getBytes(), after);
    if (b instanceof SecurityIdentity || a instanceof SecurityIdentity) {
      if (b != null) {
        identity.add(new IdentityChange(IdentityChange.Type.REMOVED, (SecurityIdentity) b, revision));
      }
      if (a != null) {
        identity.add(new IdentityChange(IdentityChange.Type.ADDED, (SecurityIdentity) a, revision));
      }
    }
    if ((b instanceof IpIdentity || a instanceof IpIdentity) && !java.util.Objects.equals(a, b)) {
      IpPrefix p = (a != null ? (IpIdentity) a : (IpIdentity) b).prefix();
      ip.add(new IpMappingChange(p, (IpIdentity) b, (IpIdentity) a, revision));
    }
  }

  private long put(String key, byte[] value) throws Exception {
    return direct.put(bytes(key), ByteSequence.from(value)).get().getHeader().getRevision();
  }

  private static byte[] cidrEntry(String ip, long id) {
    return ("{\"IP\":\"" + ip + "\",\"Mask\":null,\"HostIP\":\"\",\"ID\":" + id + ",\"Key\":0,\"Metadata\":\"\"}").getBytes();
  }

  private static List<IpPrefix> probes() {
    List<IpPrefix> out = new ArrayList<>();
    for (String s : List.of("10.244.1.80", "10.244.1.81", "10.244.2.1", "10.1.1.1", "192.168.0.1", "0.0.0.0",
        "255.255.255.255", "fd00:10:244:1::d643", "fd00:10:244:2::1", "fd00:10:245::1", "::", "::1", "fc00:c111::2")) {
      out.add(IpPrefix.parse(s));
    }
    return out;
  }
}
