package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.etcdcache.server.CacheServer;
import dev.etcdcache.testing.EtcdExtension;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How the client suites stop the server: an orderly {@link CacheServer#close()} after serving, as
 * every test class (and every operator's shutdown) does. Found while running the client suites.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CacheServerCloseTest {
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  @Test
  void close_afterServing_returnsWithoutThrowing() throws Exception {
    URI backend = etcd.endpoints().get(0);
    CacheServer server = CacheServer.start("--endpoints=" + backend.getHost() + ":" + backend.getPort(),
        "--listen-addr=127.0.0.1:0");
    try {
      server.ready().get(60, TimeUnit.SECONDS);
    } finally {
      assertThatCode(server::close).as("CacheServer.close() after serving").doesNotThrowAnyException();
    }
  }
}
