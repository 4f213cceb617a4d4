package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A plain jetcd client pointed at the server works as against etcd: KV, prefix Get, Watch, lease keep-alive. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JetcdClientTest {

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  private static CacheServer server;
  private static Client client;

  @BeforeAll
  static void start() {
    server = CacheServer.start(ServerConfig.defaults().withEndpoints(etcd.endpoints()).withListen("127.0.0.1", 0));
    server.ready().orTimeout(60, TimeUnit.SECONDS).join();
    client = Client.builder().endpoints(server.clientUrl()).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  @Test
  void putGetWatch_throughServer_likeEtcd() throws Exception {
    LinkedBlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
    // jetcd's watch() returns before the watch exists: start it at a revision, so no write is missed.
    long start = client.getKVClient().get(bytes("jetcd/")).get(30, TimeUnit.SECONDS).getHeader().getRevision() + 1;
    Watch.Watcher watcher = client.getWatchClient().watch(bytes("jetcd/"),
        WatchOption.builder().isPrefix(true).withPrevKV(true).withRevision(start).build(),
        (WatchResponse r) -> events.addAll(r.getEvents()));
    try {
      client.getKVClient().put(bytes("jetcd/a"), bytes("1")).get(30, TimeUnit.SECONDS);
      client.getKVClient().put(bytes("jetcd/a"), bytes("2")).get(30, TimeUnit.SECONDS);
      GetResponse got = client.getKVClient().get(bytes("jetcd/"), GetOption.builder().isPrefix(true).build())
          .get(30, TimeUnit.SECONDS);
      assertThat(got.getKvs()).hasSize(1);
      assertThat(got.getKvs().get(0).getValue()).isEqualTo(bytes("2"));
      GetResponse direct = etcd.client().getKVClient().get(bytes("jetcd/"), GetOption.builder().isPrefix(true).build())
          .get(30, TimeUnit.SECONDS);
      assertThat(got.getHeader().getRevision()).isEqualTo(direct.getHeader().getRevision());
      WatchEvent first = events.poll(30, TimeUnit.SECONDS);
      WatchEvent second = events.poll(30, TimeUnit.SECONDS);
      assertThat(first.getKeyValue().getValue()).isEqualTo(bytes("1"));
      assertThat(second.getKeyValue().getValue()).isEqualTo(bytes("2"));
      assertThat(second.getPrevKV().getValue()).isEqualTo(bytes("1"));
    } finally {
      watcher.close();
    }
  }

  @Test
  void leaseKeepAliveOnce_throughServer_renews() throws Exception {
    long id = client.getLeaseClient().grant(20).get(30, TimeUnit.SECONDS).getID();
    assertThat(client.getLeaseClient().keepAliveOnce(id).get(30, TimeUnit.SECONDS).getTTL()).isEqualTo(20);
    client.getLeaseClient().revoke(id).get(30, TimeUnit.SECONDS);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
