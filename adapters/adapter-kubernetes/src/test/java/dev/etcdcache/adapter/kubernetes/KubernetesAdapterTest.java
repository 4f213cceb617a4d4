package dev.etcdcache.adapter.kubernetes;

import static dev.etcdcache.adapter.kubernetes.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.api.Query;
import io.kubernetes.client.proto.V1;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class KubernetesAdapterTest {

  private static final String POD_KEY = "/registry/pods/default/pi-dqtsw";
  private static final byte[] POD = Fixtures.kubernetes("auger/etcd-values/pods_default_pi-dqtsw.bin");

  @Test
  void decode_encryptedAtRestWithoutDecryptor_placeholderCountedAndSkipped() {
    KubernetesAdapter adapter = KubernetesAdapter.standard();
    byte[] value = concat("k8s:enc:aescbc:v1:key1:".getBytes(StandardCharsets.US_ASCII), new byte[] {1, 2, 3, (byte) 0xff});
    KubeObject secret = adapter.decode(utf8("/registry/secrets/kube-system/token"), value);

    assertThat(secret.encoding()).isEqualTo(ValueEncoding.ENCRYPTED);
    assertThat(secret.namespacedName()).isEqualTo("kube-system/token");
    assertThat(secret.note()).contains("aescbc").contains("key1").contains("no decryptor");
    assertThat(secret.raw().toByteArray()).isEqualTo(value);
    assertThat(adapter.accept(utf8(secret.key()), secret)).isFalse();
    assertThat(adapter.encode(secret)).isEqualTo(value);
    assertThat(adapter.decodeCounts().encrypted()).isEqualTo(1);

    KubernetesAdapter keeping = KubernetesAdapter.builder().keepEncrypted(true).build();
    assertThat(keeping.accept(utf8(secret.key()), keeping.decode(utf8(secret.key()), value))).isTrue();
  }

  @Test
  void decode_encryptedWithDecryptor_decodesThePlaintextAndPassesTheKey() {
    List<String> calls = new ArrayList<>();
    KubernetesAdapter adapter = KubernetesAdapter.builder()
        .decryptor((etcdKey, provider, version, keyName, ciphertext) -> {
          calls.add(etcdKey + " " + provider + " " + version + " " + keyName);
          return Optional.of(xor(ciphertext));
        })
        .build();
    byte[] value = concat("k8s:enc:secretbox:v1:key2:".getBytes(StandardCharsets.US_ASCII), xor(POD));
    KubeObject pod = adapter.decode(utf8(POD_KEY), value);

    assertThat(pod.typed(V1.Pod.class).orElseThrow().getSpec().getNodeName()).isEqualTo("kubernetes-minion-group-vlql");
    assertThat(calls).containsExactly(POD_KEY + " secretbox v1 key2");
  }

  @Test
  void decode_kindTheLibraryDoesNotKnow_metadataAndRawBytesKept() {
    KubernetesAdapter adapter = KubernetesAdapter.standard();
    KubeObject real = adapter.decode(utf8(POD_KEY), POD);
    byte[] widget = new Envelope("widgets.example.com/v1alpha1", "Widget", real.raw(), "").toValue();
    KubeObject object = adapter.decode(utf8("/registry/widgets.example.com/widgets/default/pi-dqtsw"), widget);

    assertThat(object.isTyped()).isFalse();
    assertThat(object.encoding()).isEqualTo(ValueEncoding.PROTOBUF);
    assertThat(object.kind()).isEqualTo("Widget");
    assertThat(object.uid()).isEqualTo(real.uid());
    assertThat(object.labels()).isEqualTo(real.labels());
    assertThat(object.ownerReferences()).isEqualTo(real.ownerReferences());
    assertThat(object.note()).contains("not a kind client-java-proto knows");
    assertThat(adapter.encode(object)).isEqualTo(widget);
    assertThat(adapter.decodeCounts().untyped()).isEqualTo(1);
  }

  // We hold no real JSON custom resource from etcd (see the fixtures README); this one is written the
  // way kube-apiserver writes CRs: compact JSON with apiVersion, kind and metadata.
  @Test
  void decode_jsonCustomResource_genericTreeAndFieldPaths() {
    KubernetesAdapter adapter = KubernetesAdapter.standard();
    String json = "{\"apiVersion\":\"stable.example.com/v1\",\"kind\":\"CronTab\",\"metadata\":{\"name\":\"my-new-cron-object\","
        + "\"namespace\":\"default\",\"uid\":\"u1\",\"labels\":{\"app\":\"cron\"},\"ownerReferences\":[{\"apiVersion\":\"v1\","
        + "\"kind\":\"ConfigMap\",\"name\":\"c\",\"uid\":\"u0\",\"controller\":true}]},\"spec\":{\"cronSpec\":\"* * * * */5\","
        + "\"replicas\":3,\"suspend\":false}}\n";
    KubeObject cr = adapter.decode(utf8("/registry/stable.example.com/crontabs/default/my-new-cron-object"), utf8(json));

    assertThat(cr.encoding()).isEqualTo(ValueEncoding.JSON);
    assertThat(cr.kind()).isEqualTo("CronTab");
    assertThat(cr.labels()).containsEntry("app", "cron");
    assertThat(cr.ownerReferences()).containsExactly(new OwnerReference("v1", "ConfigMap", "c", "u0", true));
    assertThat(FieldSelector.parse("spec.cronSpec=* * * * */5,spec.replicas=3,spec.suspend=false").matches(cr)).isTrue();
    assertThat(adapter.encode(cr)).isEqualTo(utf8(json));
  }

  @Test
  void decode_neitherEnvelopeJsonNorEncrypted_failsNamingTheKey() {
    KubernetesAdapter adapter = KubernetesAdapter.standard();
    assertThatThrownBy(() -> adapter.decode(utf8("/registry/pods/a/b"), utf8("hello")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/registry/pods/a/b").hasMessageContaining("68 65");
    assertThatThrownBy(() -> adapter.decode(utf8("/registry/pods/a/b"), utf8("{not json")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decode_everyFixture_protobufLogsNoPre22GencodeWarning() {
    Logger protobuf = Logger.getLogger("com.google.protobuf.GeneratedMessage");
    List<LogRecord> records = new ArrayList<>();
    Handler handler = new Handler() {
      @Override public void publish(LogRecord record) {
        records.add(record);
      }
      @Override public void flush() {}
      @Override public void close() {}
    };
    protobuf.addHandler(handler);
    try {
      KubernetesAdapter adapter = KubernetesAdapter.standard();
      for (String[] kind : Fixtures.API_KINDS) {
        KubeObject o = adapter.decode(utf8("/registry/x/ns/n"), Fixtures.bytes(Fixtures.API_TESTDATA.resolve(kind[0] + ".pb")));
        adapter.encode(o);
      }
      adapter.decode(utf8(POD_KEY), POD);
    } finally {
      protobuf.removeHandler(handler);
    }
    assertThat(records).extracting(LogRecord::getMessage).isEmpty();
  }

  @Test
  void indexes_realPod_valuesKubernetesSelectsBy() {
    KubernetesAdapter adapter = KubernetesAdapter.standard();
    KubeObject pod = adapter.decode(utf8(POD_KEY), POD);
    assertThat(adapter.namespaceIndex().values().apply(pod)).containsExactly("default");
    assertThat(adapter.labelIndex().values().apply(pod)).containsExactlyInAnyOrder(
        "job-name=pi", "controller-uid=a4acc46c-5b56-11e7-8d4b-42010a800002");
    assertThat(adapter.labelKeyIndex().values().apply(pod)).containsExactlyInAnyOrder("job-name", "controller-uid");
    assertThat(adapter.ownerIndex().values().apply(pod)).containsExactly("a4acc46c-5b56-11e7-8d4b-42010a800002");
    assertThat(adapter.kindIndex().values().apply(pod)).containsExactly("v1/Pod");
    assertThat(adapter.fieldIndex().values().apply(pod)).contains("spec.nodeName=kubernetes-minion-group-vlql",
        "status.phase=Succeeded", "metadata.name=pi-dqtsw", "metadata.namespace=default", "spec.restartPolicy=Never")
        .noneMatch(v -> v.startsWith("type="));
    assertThat(adapter.indexes()).hasSize(6);
  }

  @Test
  void select_indexableRequirements_eqQueriesAndExact() {
    KubernetesAdapter adapter = KubernetesAdapter.standard();
    Selection s = adapter.select("default", "app in (a,b),canary", "spec.nodeName=n1");
    assertThat(s.exact()).isTrue();
    assertThat(s.query()).isEqualTo(Query.eq(adapter.namespaceIndex(), "default")
        .and(Query.eq(adapter.fieldIndex(), "spec.nodeName=n1"))
        .and(Query.eq(adapter.labelIndex(), "app=a").or(Query.eq(adapter.labelIndex(), "app=b")))
        .and(Query.eq(adapter.labelKeyIndex(), "canary")));
    assertThat(adapter.select(null, "app!=a", "").exact()).isFalse();
    assertThat(adapter.select(null, "", "spec.hostNetwork=true").exact()).as("not an indexed field").isFalse();
    assertThat(adapter.select(null, "", "").query()).isEqualTo(Query.all());
  }

  @Test
  void builder_settersValidateAndRefuseASecondCall() {
    assertThatThrownBy(() -> KubernetesAdapter.builder().etcdPrefix("/a").etcdPrefix("/b")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> KubernetesAdapter.builder().indexedFields(List.of("spec."))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KubernetesAdapter.builder().keepEncrypted(true).keepEncrypted(false)).isInstanceOf(IllegalStateException.class);
    KubernetesAdapter custom = KubernetesAdapter.builder().etcdPrefix("/k8s").indexedFields(List.of("spec.nodeName")).build();
    assertThat(custom.layout().prefix()).isEqualTo("/k8s");
    assertThat(custom.indexedFields()).containsExactly("spec.nodeName");
    assertThat(custom.decode(utf8(POD_KEY), POD).encoding()).as("outside /k8s").isEqualTo(ValueEncoding.NOT_AN_OBJECT);
  }

  private static byte[] xor(byte[] in) {
    byte[] out = new byte[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = (byte) (in[i] ^ 0x5a);
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
