package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.testing.TestCertificates;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-CN connections toward etcd: one set per common name, reused, bounded by least recent
 * use (an evicted CN's connections take no new call), and none once closed. Connections open
 * lazily, so no etcd is needed to see that.
 */
class CallerChannelsTest {

  @Test
  void oneConnectionSetPerCn_reused_leastRecentlyUsedEvictedPastTheBound_noneAfterClose() {
    TestCertificates certs = TestCertificates.create();
    TestCertificates.Identity ca = certs.intermediateCa("issuer");
    ServerConfig config = ServerConfig.defaults().withEndpoints(List.of(URI.create("http://127.0.0.1:1")))
        .withServerTls(certs.server().certFile(), certs.server().keyFile(), certs.caFile())
        .withEtcdTls(certs.caFile(), null, null, false).withClientCertIssuer(ca.certFile(), ca.keyFile());
    try (Upstream own = new Upstream(config.endpoints(), null, new TokenRelay())) {
      CallerChannels callers = new CallerChannels(own, CertificateIssuer.load(ca.certFile(), ca.keyFile()), config, 2);
      Channel alice = callers.channel("alice");
      assertThat(callers.channel("alice")).isSameAs(alice);
      Channel bob = callers.channel("bob");
      assertThat(bob).isNotSameAs(alice);
      callers.channel("alice"); // now bob is the least recently used
      callers.channel("carol");
      assertThat(((Upstream) bob).channels()).allMatch(c -> c.isShutdown());
      assertThat(((Upstream) alice).channels()).noneMatch(c -> c.isShutdown());
      assertThat(callers.channel("bob")).isNotSameAs(bob);
      callers.close();
      assertThat(((Upstream) alice).channels()).allMatch(c -> c.isShutdown());
      assertThatThrownBy(() -> callers.channel("alice")).isInstanceOf(StatusRuntimeException.class)
          .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }
}
