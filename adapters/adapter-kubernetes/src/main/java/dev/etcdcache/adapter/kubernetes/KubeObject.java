package dev.etcdcache.adapter.kubernetes;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One Kubernetes object as stored in etcd, decoded: its type, identity, labels, annotations and
 * owners, plus the typed protobuf message (when client-java-proto knows the kind), the JSON tree
 * (for JSON values), and the stored bytes. Immutable and thread-safe; protobuf messages are
 * immutable.
 *
 * <p><b>resourceVersion.</b> kube-apiserver stores objects with an empty
 * {@code metadata.resourceVersion} and fills it from the key's etcd mod revision on every read. Views
 * decode through {@link KubernetesAdapter#decode(byte[], byte[], long)}, which receives the mod
 * revision, so objects in a view carry it; only the two-argument {@code decode} leaves {@code 0}
 * ("not known here"). A list's resourceVersion is the snapshot's revision.
 *
 * @param key the etcd key
 * @param apiVersion {@code v1}, {@code apps/v1}, ...; {@code ""} when not known (encrypted)
 * @param kind {@code Pod}, ...; {@code ""} when not known (encrypted)
 * @param namespace the namespace, {@code ""} for cluster-scoped objects
 * @param name the name
 * @param uid {@code metadata.uid}, {@code ""} when not known
 * @param labels {@code metadata.labels}
 * @param annotations {@code metadata.annotations}
 * @param ownerReferences {@code metadata.ownerReferences}
 * @param resourceVersion the etcd mod revision of the key, {@code 0} when not known (see above)
 * @param encoding how the value was stored
 * @param message the typed message (a {@code V1.Pod}, ...), or {@code null} when the kind is not in
 *     client-java-proto, the value is JSON or it is encrypted
 * @param json the JSON tree (maps, lists, strings, numbers, booleans, nulls; all unmodifiable) for
 *     {@link ValueEncoding#JSON}, otherwise {@code null}
 * @param raw the object's bytes: the envelope's {@code raw} (the object's protobuf) for
 *     {@link ValueEncoding#PROTOBUF}, the document for JSON, the whole stored value otherwise
 * @param note why the object is not fully typed (unknown kind, encrypted, not an object key), or
 *     {@code ""}
 */
public record KubeObject(
    String key,
    String apiVersion,
    String kind,
    String namespace,
    String name,
    String uid,
    Map<String, String> labels,
    Map<String, String> annotations,
    List<OwnerReference> ownerReferences,
    long resourceVersion,
    ValueEncoding encoding,
    Message message,
    Map<String, Object> json,
    ByteString raw,
    String note) {

  /** Validates the object and copies its collections. */
  public KubeObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(uid, "uid");
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
    ownerReferences = List.copyOf(ownerReferences);
    Objects.requireNonNull(encoding, "encoding");
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(note, "note");
    if (resourceVersion < 0) {
      throw new IllegalArgumentException("resourceVersion must not be negative: " + resourceVersion);
    }
  }

  /** This object with {@code resourceVersion} set to the given mod revision. */
  public KubeObject withResourceVersion(long modRevision) {
    return modRevision == resourceVersion
        ? this
        : new KubeObject(key, apiVersion, kind, namespace, name, uid, labels, annotations,
            ownerReferences, modRevision, encoding, message, json, raw, note);
  }

  /** {@code metadata.resourceVersion} as kube-apiserver serves it: the decimal mod revision, or {@code ""}. */
  public String resourceVersionString() {
    return resourceVersion == 0 ? "" : Long.toString(resourceVersion);
  }

  /** The typed message, if it is a {@code type} (e.g. {@code V1.Pod.class}). */
  public <M extends Message> Optional<M> typed(Class<M> type) {
    return type.isInstance(message) ? Optional.of(type.cast(message)) : Optional.empty();
  }

  /** Whether the object decoded into a typed client-java-proto message. */
  public boolean isTyped() {
    return message != null;
  }

  /** {@code namespace/name}, or {@code name} for cluster-scoped objects. */
  public String namespacedName() {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }
}
