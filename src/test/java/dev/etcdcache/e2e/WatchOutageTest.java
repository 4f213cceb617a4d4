package dev.etcdcache.e2e;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * When etcd goes away, a watcher served by the cache hears it as a direct jetcd watcher does
 * ({@code onError} with an {@link EtcdException}, the watcher left open) and, once etcd is back,
 * resumes with no lost or repeated event.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WatchOutageTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  @Test
  void watch_etcdStoppedAndRestarted_listenerToldThenResumesWithoutLossOrRepeat() throws Exception {
    Client client = ETCD.newClient();
    try (CachingClient cache = CachingClient.builder(client).prefixes(bytes("outage/"))
        .progressInterval(Duration.ofMillis(500)).stallTimeout(Duration.ofSeconds(2)).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      List<String> values = new CopyOnWriteArrayList<>();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      List<Boolean> completed = new CopyOnWriteArrayList<>();
      Watch.Watcher watcher = cache.getWatchClient().watch(bytes("outage/"),
          WatchOption.builder().isPrefix(true).build(), Watch.listener(
              response -> response.getEvents().stream()
                  .filter(e -> e.getEventType() == WatchEvent.EventType.PUT)
                  .forEach(e -> values.add(e.getKeyValue().getValue().toString(StandardCharsets.UTF_8))),
              errors::add, () -> completed.add(true)));
      Client writer = ETCD.newClient();
      writer.getKVClient().put(bytes("outage/k"), bytes("before")).get(30, TimeUnit.SECONDS);
      await(() -> values.contains("before"));

      ETCD.kill(0);
      await(() -> !errors.isEmpty());
      assertThat(errors).allSatisfy(e -> assertThat(e).isInstanceOf(EtcdException.class));
      assertThat(completed).isEmpty();

      ETCD.restart(0);
      writer.getKVClient().put(bytes("outage/k"), bytes("after")).get(60, TimeUnit.SECONDS);
      await(() -> values.contains("after"));
      assertThat(values).containsExactly("before", "after");
      assertThat(completed).isEmpty();
      watcher.close();
      writer.close();
    } finally {
      client.close();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Waits for {@code condition}: a hang guard of 90 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }
}
