package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code cache-server verify} against real etcd: equal caches exit 0, a different one exits 1 and names the keys. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class VerifyCommandTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  /** A second etcd, standing in for a cache that answers wrongly. */
  @RegisterExtension
  static final EtcdExtension OTHER = EtcdExtension.builder().build();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void freshMirror_andRunningServer_equalToEtcd_exitZero() throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (int i = 0; i < 2500; i++) {
      kv.put(bytes("v/" + i), bytes("value " + i)).get();
    }
    kv.delete(bytes("v/17")).get();
    assertThat(run("--endpoints=" + hostPort(ETCD.endpoints().get(0)), "--prefix=v/", "--page-keys=300"))
        .as(out + " " + err).isZero();
    assertThat(out.toString()).contains("a fresh mirror against etcd at revision").contains("2499 keys in etcd, 0 difference(s)");

    out.reset();
    try (ServerFixture server = new ServerFixture(ETCD)) {
      assertThat(run("--endpoints=" + hostPort(ETCD.endpoints().get(0)),
          "--cache-endpoints=" + hostPort(URI.create(server.server.clientUrl())))).as(out + " " + err).isZero();
      assertThat(out.toString()).contains("2499 keys in etcd, 0 difference(s)");
    }
  }

  @Test
  void cacheThatDiffers_exitsOne_andPrintsEachDifference() throws Exception {
    KV etcd = ETCD.client().getKVClient();
    KV wrong = OTHER.client().getKVClient();
    for (int i = 0; i < 40; i++) {
      etcd.put(bytes("d/" + i), bytes("x")).get();
    }
    // The stand-in is at a lower revision than etcd, so etcd can answer at its revision.
    // etcd's state at that revision depends on what other tests wrote first; these keys are
    // never in etcd whatever it holds.
    for (int i = 0; i < 5; i++) {
      wrong.put(bytes("d/only-here-" + i), bytes("x")).get();
    }
    int status = run("--endpoints=" + hostPort(ETCD.endpoints().get(0)),
        "--cache-endpoints=" + hostPort(OTHER.endpoints().get(0)), "--prefix=d/", "--max-print=3");
    assertThat(status).as(out + " " + err).isEqualTo(1);
    String printed = out.toString();
    assertThat(printed).contains(" only in the cache: d/only-here-0 {create ");
    assertThat(printed.lines().filter(l -> l.startsWith("DIFF"))).hasSize(3);
    assertThat(printed).contains("difference(s)").doesNotContain(" 0 difference(s)");
  }

  @Test
  void badCommandLine_exitsTwo() {
    assertThat(run("--prefix=x")).isEqualTo(2);
    assertThat(err.toString()).contains("--endpoints is required");
  }

  @Test
  void unreachableEtcd_exitsThree() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // free, and closed again: nothing listens there
    }
    assertThat(run("--endpoints=127.0.0.1:" + port)).isEqualTo(3);
    assertThat(err.toString()).contains("could not compare");
  }

  private int run(String... args) {
    return VerifyCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private static String hostPort(URI uri) {
    return uri.getHost() + ":" + uri.getPort();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
