package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** On an instance field the extension gives every test its own, empty etcd. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdExtensionPerTestTest {
  private static final ByteSequence KEY = ByteSequence.from("/per-test/marker", StandardCharsets.UTF_8);

  @RegisterExtension
  final EtcdExtension etcd = EtcdExtension.builder().build();

  @Test
  void instanceField_firstTest_seesAnEmptyStore() throws Exception {
    assertMarkerAbsentThenPutIt();
  }

  @Test
  void instanceField_secondTest_seesAnEmptyStoreToo() throws Exception {
    assertMarkerAbsentThenPutIt();
  }

  private void assertMarkerAbsentThenPutIt() throws Exception {
    assertThat(etcd.client().getKVClient().get(KEY).get(30, TimeUnit.SECONDS).getCount()).isZero();
    etcd.client().getKVClient().put(KEY, KEY).get(30, TimeUnit.SECONDS);
  }
}
