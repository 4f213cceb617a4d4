package dev.etcdcache.adapter.kubernetes;

import static dev.etcdcache.adapter.kubernetes.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Batch;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every real value in the shared fixtures decodes into the object it is, with nothing lost. */
class RealValuesDecodeTest {

  private final KubernetesAdapter adapter = KubernetesAdapter.standard();

  @Test
  void decode_augerPodFromRealCluster_typedWithMetadataSpecAndStatus() {
    byte[] value = Fixtures.kubernetes("auger/etcd-values/pods_default_pi-dqtsw.bin");
    KubeObject pod = adapter.decode(utf8("/registry/pods/default/pi-dqtsw"), value);

    assertThat(pod.encoding()).isEqualTo(ValueEncoding.PROTOBUF);
    assertThat(pod.apiVersion()).isEqualTo("v1");
    assertThat(pod.kind()).isEqualTo("Pod");
    assertThat(pod.namespace()).isEqualTo("default");
    assertThat(pod.name()).isEqualTo("pi-dqtsw");
    assertThat(pod.uid()).isEqualTo("a4adc7ca-5b56-11e7-8d4b-42010a800002");
    assertThat(pod.labels()).containsExactlyInAnyOrderEntriesOf(
        Map.of("controller-uid", "a4acc46c-5b56-11e7-8d4b-42010a800002", "job-name", "pi"));
    assertThat(pod.ownerReferences()).singleElement().satisfies(owner -> {
      assertThat(owner.kind()).isEqualTo("Job");
      assertThat(owner.name()).isEqualTo("pi");
      assertThat(owner.uid()).isEqualTo("a4acc46c-5b56-11e7-8d4b-42010a800002");
    });
    V1.Pod typed = pod.typed(V1.Pod.class).orElseThrow();
    assertThat(typed.getSpec().getNodeName()).isEqualTo("kubernetes-minion-group-vlql");
    assertThat(typed.getStatus().getPhase()).isEqualTo("Succeeded");
    assertThat(typed.getSpec().getContainers(0).getImage()).isEqualTo("perl");
    assertThat(typed.getMetadata().getResourceVersion()).as("kube-apiserver stores it empty").isEmpty();
    assertThat(pod.raw().toByteArray()).isEqualTo(Fixtures.kubernetes("auger/proto/pod.bin"));
    assertThat(pod.note()).isEmpty();
  }

  @Test
  void decode_augerJobAndNamespace_typed() {
    KubeObject job = adapter.decode(utf8("/registry/jobs/default/pi"), Fixtures.kubernetes("auger/etcd-values/jobs_default_pi.bin"));
    assertThat(job.apiVersion()).isEqualTo("batch/v1");
    assertThat(job.kind()).isEqualTo("Job");
    assertThat(job.namespacedName()).isEqualTo("default/pi");
    assertThat(job.labels()).containsEntry("job-name", "pi");
    assertThat(job.typed(V1Batch.Job.class).orElseThrow().getStatus().getSucceeded()).isEqualTo(1);
    assertThat(job.raw().toByteArray()).isEqualTo(Fixtures.kubernetes("auger/proto/job.bin"));

    KubeObject ns = adapter.decode(utf8("/registry/namespaces/default"), Fixtures.kubernetes("auger/etcd-values/namespaces_default.bin"));
    assertThat(ns.kind()).isEqualTo("Namespace");
    assertThat(ns.namespace()).isEmpty();
    assertThat(ns.name()).isEqualTo("default");
    assertThat(ns.typed(V1.Namespace.class).orElseThrow().getStatus().getPhase()).isEqualTo("Active");
    assertThat(FieldPaths.resolve(ns, "status.phase")).isEqualTo("Active");
  }

  @Test
  void decode_everyKeyOfTheRealBoltDb_objectsAtTheirModRevisionAndCompactRevKeySkipped() {
    int objects = 0;
    for (String line : Fixtures.lines(Fixtures.KUBERNETES.resolve("auger/boltdb/db-kvs.jsonl"))) {
      JsonObject kv = JsonParser.parseString(line).getAsJsonObject();
      String key = kv.get("key").getAsString();
      long modRevision = kv.get("mod_revision").getAsLong();
      byte[] value = Base64.getDecoder().decode(kv.get("value_b64").getAsString());
      KubeObject object = adapter.decode(utf8(key), value, modRevision);
      if (key.equals("compact_rev_key")) {
        assertThat(object.encoding()).isEqualTo(ValueEncoding.NOT_AN_OBJECT);
        assertThat(new String(object.raw().toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("231840");
        assertThat(adapter.accept(utf8(key), object)).isFalse();
      } else {
        objects++;
        assertThat(object.isTyped()).isTrue();
        assertThat(object.resourceVersion()).isEqualTo(modRevision);
        assertThat(object.resourceVersionString()).isEqualTo(Long.toString(modRevision));
        assertThat(adapter.layout().parse(key).orElseThrow().name()).isEqualTo(object.name());
        assertThat(adapter.accept(utf8(key), object)).isTrue();
      }
    }
    assertThat(objects).isEqualTo(3);
    assertThat(adapter.decodeCounts()).isEqualTo(new DecodeCounts(3, 0, 0, 0, 1));
  }

  @Test
  void decode_etcdctlOutputWithTrailingNewline_failsWithAClearReason() {
    byte[] withNewline = Fixtures.kubernetes("auger/storage/pod.bin");
    assertThatThrownBy(() -> adapter.decode(utf8("/registry/pods/default/pi-dqtsw"), withNewline))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/registry/pods/default/pi-dqtsw")
        .hasMessageContaining("damaged k8s protobuf envelope");
    byte[] exact = java.util.Arrays.copyOf(withNewline, withNewline.length - 1);
    assertThat(exact).isEqualTo(Fixtures.kubernetes("auger/etcd-values/pods_default_pi-dqtsw.bin"));
  }

  @Test
  void decode_everyApiTestdataKind_typedAndMetadataEqualsItsJsonTwin() throws Exception {
    for (String[] kind : Fixtures.API_KINDS) {
      byte[] pb = Fixtures.bytes(Fixtures.API_TESTDATA.resolve(kind[0] + ".pb"));
      JsonObject json = JsonParser.parseString(new String(Fixtures.bytes(Fixtures.API_TESTDATA.resolve(kind[0] + ".json")),
          StandardCharsets.UTF_8)).getAsJsonObject();
      KubeObject object = adapter.decode(utf8("/registry/x/namespaceValue/nameValue"), pb);

      assertThat(object.isTyped()).as(kind[0]).isTrue();
      assertThat(object.apiVersion()).as(kind[0]).isEqualTo(kind[1]);
      assertThat(object.kind()).as(kind[0]).isEqualTo(kind[2]);
      assertThat(object.message().getDescriptorForType().getName()).isEqualTo(kind[2]);
      assertThat(object.message().getUnknownFields().asMap()).as(kind[0] + " unknown fields").isEmpty();
      assertSameMetadata(kind[0], object, json.getAsJsonObject("metadata"));

      // The same object stored as JSON (what --storage-media-type=application/json writes) decodes
      // to the same metadata.
      KubeObject fromJson = adapter.decode(utf8("/registry/x/namespaceValue/nameValue"),
          Fixtures.bytes(Fixtures.API_TESTDATA.resolve(kind[0] + ".json")));
      assertThat(fromJson.encoding()).isEqualTo(ValueEncoding.JSON);
      assertThat(List.of(fromJson.apiVersion(), fromJson.kind(), fromJson.namespace(), fromJson.name(), fromJson.uid(),
          fromJson.labels(), fromJson.annotations(), fromJson.ownerReferences()))
          .as(kind[0] + " JSON twin")
          .isEqualTo(List.of(object.apiVersion(), object.kind(), object.namespace(), object.name(), object.uid(),
              object.labels(), object.annotations(), object.ownerReferences()));
    }
  }

  @Test
  void encode_everyApiTestdataKind_byteForByteTheStoredValue() {
    for (String[] kind : Fixtures.API_KINDS) {
      byte[] pb = Fixtures.bytes(Fixtures.API_TESTDATA.resolve(kind[0] + ".pb"));
      KubeObject object = adapter.decode(utf8("/registry/x/ns/n"), pb);
      assertThat(adapter.encode(object)).as(kind[0]).isEqualTo(pb);
    }
  }

  @Test
  void encode_augerObjectsWithRemovedFields_roundTripKeepsThem() {
    for (String file : List.of("pods_default_pi-dqtsw.bin", "jobs_default_pi.bin", "namespaces_default.bin")) {
      byte[] value = Fixtures.kubernetes("auger/etcd-values/" + file);
      KubeObject object = adapter.decode(utf8("/registry/x/default/y"), value);
      KubeObject again = adapter.decode(utf8("/registry/x/default/y"), adapter.encode(object));
      assertThat(again).as(file).isEqualTo(object);
    }
  }

  @Test
  void decode_headPodWithFieldsNewerThanTheLibrary_keepsKnownFieldsAndUnknownOnes() {
    byte[] pb = Fixtures.bytes(Fixtures.KUBERNETES.resolve("k8s-api-testdata/HEAD/core.v1.Pod.pb"));
    JsonObject json = JsonParser.parseString(new String(
        Fixtures.bytes(Fixtures.KUBERNETES.resolve("k8s-api-testdata/HEAD/core.v1.Pod.json")), StandardCharsets.UTF_8))
        .getAsJsonObject();
    KubeObject pod = adapter.decode(utf8("/registry/pods/namespaceValue/nameValue"), pb);

    V1.Pod typed = pod.typed(V1.Pod.class).orElseThrow();
    assertSameMetadata("HEAD Pod", pod, json.getAsJsonObject("metadata"));
    JsonObject spec = json.getAsJsonObject("spec");
    JsonObject status = json.getAsJsonObject("status");
    assertThat(typed.getSpec().getNodeName()).isEqualTo(spec.get("nodeName").getAsString());
    assertThat(typed.getSpec().getServiceAccountName()).isEqualTo(spec.get("serviceAccountName").getAsString());
    assertThat(typed.getSpec().getContainers(0).getImage())
        .isEqualTo(spec.getAsJsonArray("containers").get(0).getAsJsonObject().get("image").getAsString());
    assertThat(typed.getStatus().getPhase()).isEqualTo(status.get("phase").getAsString());
    assertThat(FieldPaths.resolve(pod, "spec.nodeName")).isEqualTo(spec.get("nodeName").getAsString());
    assertThat(countUnknownFields(typed)).as("fields newer than client-java-proto 27.0.0").isGreaterThan(0);

    KubeObject again = adapter.decode(utf8("/registry/pods/namespaceValue/nameValue"), adapter.encode(pod));
    assertThat(again.message()).as("unknown fields survive a round trip").isEqualTo(typed);
    assertThat(countUnknownFields((V1.Pod) again.message())).isEqualTo(countUnknownFields(typed));
  }

  private static void assertSameMetadata(String what, KubeObject object, JsonObject meta) {
    assertThat(object.name()).as(what).isEqualTo(meta.get("name").getAsString());
    assertThat(object.namespace()).as(what).isEqualTo(meta.get("namespace").getAsString());
    assertThat(object.uid()).as(what).isEqualTo(meta.get("uid").getAsString());
    assertThat(object.labels()).as(what).isEqualTo(stringMap(meta.getAsJsonObject("labels")));
    assertThat(object.annotations()).as(what).isEqualTo(stringMap(meta.getAsJsonObject("annotations")));
    JsonObject owner = meta.getAsJsonArray("ownerReferences").get(0).getAsJsonObject();
    assertThat(object.ownerReferences()).as(what).containsExactly(new OwnerReference(
        owner.get("apiVersion").getAsString(), owner.get("kind").getAsString(), owner.get("name").getAsString(),
        owner.get("uid").getAsString(), owner.get("controller").getAsBoolean()));
    Meta.ObjectMeta typedMeta = ProtoKinds.metadataOf(object.message());
    assertThat(typedMeta.getGeneration()).as(what).isEqualTo(meta.get("generation").getAsLong());
  }

  private static Map<String, String> stringMap(JsonObject object) {
    Map<String, String> map = new HashMap<>();
    object.entrySet().forEach(e -> map.put(e.getKey(), e.getValue().getAsString()));
    return map;
  }

  // Unknown fields anywhere in the message tree: the HEAD fixture adds fields at many depths.
  private static int countUnknownFields(com.google.protobuf.Message message) {
    int count = message.getUnknownFields().asMap().size();
    for (Map.Entry<com.google.protobuf.Descriptors.FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      if (e.getKey().getJavaType() != com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (e.getKey().isRepeated()) {
        for (Object item : (List<?>) e.getValue()) {
          count += countUnknownFields((com.google.protobuf.Message) item);
        }
      } else {
        count += countUnknownFields((com.google.protobuf.Message) e.getValue());
      }
    }
    return count;
  }
}
