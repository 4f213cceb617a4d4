package dev.etcdcache.adapter.kubernetes;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.Meta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Turns one stored value into a {@link KubeObject}, the way kube-apiserver's storage codec reads it:
 * an encryption prefix first (the transformer runs before the codec), then the protobuf envelope
 * ({@code k8s\0} + {@code runtime.Unknown}), else JSON. Counts outcomes. Thread-safe.
 */
final class KubeDecoder {

  private static final byte[] ENCRYPTED_MAGIC = "k8s:enc:".getBytes(StandardCharsets.US_ASCII);

  private final KeyLayout layout;
  private final ValueDecryptor decryptor;
  private final ProtoKinds kinds = new ProtoKinds();
  private final LongAdder typed = new LongAdder();
  private final LongAdder untyped = new LongAdder();
  private final LongAdder json = new LongAdder();
  private final LongAdder encrypted = new LongAdder();
  private final LongAdder notObjects = new LongAdder();

  KubeDecoder(KeyLayout layout, ValueDecryptor decryptor) {
    this.layout = layout;
    this.decryptor = decryptor;
  }

  DecodeCounts counts() {
    return new DecodeCounts(typed.sum(), untyped.sum(), json.sum(), encrypted.sum(), notObjects.sum());
  }

  /**
   * Decodes the value at {@code key}.
   *
   * @throws IllegalArgumentException if an object key's value is neither an envelope, JSON nor
   *     encrypted, or does not parse
   */
  KubeObject decode(String key, byte[] value, long modRevision) {
    Optional<ResourceKey> parsed = layout.parse(key);
    if (parsed.isEmpty()) {
      notObjects.increment();
      return placeholder(key, new ResourceKey("-", "", key), modRevision, ValueEncoding.NOT_AN_OBJECT, value,
          "not an object key under " + layout.objectsPrefix());
    }
    ResourceKey where = parsed.get();
    byte[] plain = value;
    if (startsWith(value, ENCRYPTED_MAGIC)) {
      Optional<byte[]> opened = decrypt(key, value);
      if (opened.isEmpty()) {
        encrypted.increment();
        return placeholder(key, where, modRevision, ValueEncoding.ENCRYPTED, value, encryptionNote(value));
      }
      plain = opened.get();
    }
    if (startsWith(plain, Envelope.MAGIC)) {
      return decodeEnvelope(key, where, plain, modRevision);
    }
    if (firstNonWhitespace(plain) == '{') {
      return decodeJson(key, where, plain, modRevision);
    }
    throw new IllegalArgumentException("value at " + key + " is neither a k8s protobuf envelope, JSON nor"
        + " encrypted; first bytes: " + hexHead(plain));
  }

  private KubeObject decodeEnvelope(String key, ResourceKey where, byte[] value, long modRevision) {
    Envelope envelope;
    try {
      envelope = Envelope.parse(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("value at " + key + " is a damaged k8s protobuf envelope: " + e.getMessage(), e);
    }
    String apiVersion = envelope.apiVersion();
    String kind = envelope.kind();
    ByteString raw = envelope.raw();
    if (!envelope.contentEncoding().isEmpty()) {
      // kube-apiserver never writes one; keep the bytes rather than guess a codec.
      untyped.increment();
      return fromMetadata(key, where, apiVersion, kind, Meta.ObjectMeta.getDefaultInstance(), modRevision, null, raw,
          "envelope content encoding '" + envelope.contentEncoding() + "' is not decoded");
    }
    try {
      Optional<Message> message = kinds.parse(apiVersion, kind, raw);
      if (message.isPresent()) {
        typed.increment();
        return fromMetadata(key, where, apiVersion, kind, ProtoKinds.metadataOf(message.get()), modRevision,
            message.get(), raw, "");
      }
      // Every top-level API object has ObjectMeta as field 1, so the metadata of a kind this
      // library does not know still reads through PartialObjectMetadata.
      Meta.ObjectMeta meta = ProtoKinds.partialMetadata(raw);
      untyped.increment();
      return fromMetadata(key, where, apiVersion, kind, meta, modRevision, null, raw,
          apiVersion + " " + kind + " is not a kind client-java-proto knows; kept as metadata and raw bytes");
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("value at " + key + " (" + apiVersion + " " + kind + ") does not parse: "
          + e.getMessage(), e);
    }
  }

  private KubeObject decodeJson(String key, ResourceKey where, byte[] value, long modRevision) {
    Map<String, Object> tree = JsonTree.parseObject(value);
    Object owners = JsonTree.at(tree, "metadata", "ownerReferences");
    List<OwnerReference> ownerReferences = new ArrayList<>();
    if (owners instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof Map<?, ?> m) {
          @SuppressWarnings("unchecked")
          Map<String, Object> ref = (Map<String, Object>) m;
          ownerReferences.add(new OwnerReference(JsonTree.string(ref, "apiVersion"), JsonTree.string(ref, "kind"),
              JsonTree.string(ref, "name"), JsonTree.string(ref, "uid"), Boolean.TRUE.equals(ref.get("controller"))));
        }
      }
    }
    json.increment();
    return new KubeObject(key, JsonTree.string(tree, "apiVersion"), JsonTree.string(tree, "kind"),
        orKey(JsonTree.string(tree, "metadata", "namespace"), where.namespace()),
        orKey(JsonTree.string(tree, "metadata", "name"), where.name()),
        JsonTree.string(tree, "metadata", "uid"),
        stringMap(JsonTree.at(tree, "metadata", "labels")), stringMap(JsonTree.at(tree, "metadata", "annotations")),
        ownerReferences, modRevision, ValueEncoding.JSON, null, tree, ByteString.copyFrom(value), "");
  }

  private Optional<byte[]> decrypt(String key, byte[] value) {
    if (decryptor == null) {
      return Optional.empty();
    }
    EncryptionPrefix prefix = EncryptionPrefix.parse(value);
    if (prefix == null) {
      return Optional.empty();
    }
    byte[] ciphertext = Arrays.copyOfRange(value, prefix.length(), value.length);
    return decryptor.decrypt(key, prefix.provider(), prefix.version(), prefix.keyName(), ciphertext);
  }

  private static KubeObject fromMetadata(String key, ResourceKey where, String apiVersion, String kind,
      Meta.ObjectMeta meta, long modRevision, Message message, ByteString raw, String note) {
    List<OwnerReference> owners = new ArrayList<>(meta.getOwnerReferencesCount());
    for (Meta.OwnerReference ref : meta.getOwnerReferencesList()) {
      owners.add(new OwnerReference(ref.getApiVersion(), ref.getKind(), ref.getName(), ref.getUid(), ref.getController()));
    }
    return new KubeObject(key, apiVersion, kind, orKey(meta.getNamespace(), where.namespace()),
        orKey(meta.getName(), where.name()), meta.getUid(), meta.getLabelsMap(), meta.getAnnotationsMap(), owners,
        modRevision, ValueEncoding.PROTOBUF, message, null, raw, note);
  }

  private static KubeObject placeholder(String key, ResourceKey where, long modRevision, ValueEncoding encoding,
      byte[] value, String note) {
    return new KubeObject(key, "", "", where.namespace(), where.name(), "", Map.of(), Map.of(), List.of(),
        modRevision, encoding, null, null, ByteString.copyFrom(value), note);
  }

  private static String encryptionNote(byte[] value) {
    EncryptionPrefix prefix = EncryptionPrefix.parse(value);
    return prefix == null
        ? "encrypted at rest (unreadable k8s:enc: prefix); no decryptor opened it"
        : "encrypted at rest by provider " + prefix.provider() + " " + prefix.version() + " key '" + prefix.keyName()
            + "'; no decryptor opened it";
  }

  // kube-apiserver stores namespace and name in the object; the key is the fallback for objects
  // that carry none (hand-written values).
  private static String orKey(String fromObject, String fromKey) {
    return fromObject.isEmpty() ? fromKey : fromObject;
  }

  private static Map<String, String> stringMap(Object value) {
    if (!(value instanceof Map<?, ?> map)) {
      return Map.of();
    }
    HashMap<String, String> strings = new HashMap<>();
    map.forEach((k, v) -> {
      if (v instanceof String s) {
        strings.put((String) k, s);
      }
    });
    return strings;
  }

  private static boolean startsWith(byte[] value, byte[] magic) {
    if (value.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (value[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  private static int firstNonWhitespace(byte[] value) {
    for (byte b : value) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return b;
      }
    }
    return -1;
  }

  private static String hexHead(byte[] value) {
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < Math.min(8, value.length); i++) {
      hex.append(String.format("%02x ", value[i]));
    }
    return hex.toString().trim() + (value.length > 8 ? " ..." : "") + " (" + value.length + " bytes)";
  }

  /** {@code k8s:enc:<provider>:<version>:<keyName>:}, as kube-apiserver's transformers write it. */
  private record EncryptionPrefix(String provider, String version, String keyName, int length) {

    static EncryptionPrefix parse(byte[] value) {
      int start = ENCRYPTED_MAGIC.length;
      String[] parts = new String[3];
      int from = start;
      for (int part = 0; part < 3; part++) {
        int colon = indexOf(value, (byte) ':', from, Math.min(value.length, from + 256));
        if (colon < 0) {
          return null;
        }
        parts[part] = new String(value, from, colon - from, StandardCharsets.UTF_8);
        from = colon + 1;
      }
      return new EncryptionPrefix(parts[0], parts[1], parts[2], from);
    }

    private static int indexOf(byte[] value, byte b, int from, int to) {
      for (int i = from; i < to; i++) {
        if (value[i] == b) {
          return i;
        }
      }
      return -1;
    }
  }
}
