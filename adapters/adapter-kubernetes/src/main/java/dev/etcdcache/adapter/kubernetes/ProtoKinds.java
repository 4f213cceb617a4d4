package dev.etcdcache.adapter.kubernetes;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.Meta;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The typed client-java-proto message class of each stored {@code apiVersion}/{@code kind}, found by
 * the library's naming convention ({@code v1} Pod is {@code V1$Pod}, {@code apps/v1} Deployment is
 * {@code V1Apps$Deployment}, {@code coordination.k8s.io/v1} Lease is {@code V1Coordination$Lease}) and
 * checked against its protobuf descriptor, so a new kind in a newer jar works without a table here.
 * Lookups are cached per instance, including misses. Thread-safe.
 */
final class ProtoKinds {

  private static final String PROTO_PACKAGE = "io.kubernetes.client.proto.";

  private final ConcurrentHashMap<String, Optional<Message>> prototypes = new ConcurrentHashMap<>();

  /** The typed message, or empty when the library has no class for the kind. */
  Optional<Message> parse(String apiVersion, String kind, ByteString raw) throws InvalidProtocolBufferException {
    Optional<Message> prototype = prototypes.computeIfAbsent(apiVersion + "/" + kind, k -> find(apiVersion, kind));
    if (prototype.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(prototype.get().getParserForType().parseFrom(raw));
  }

  /** {@code metadata} of a typed top-level API object; every built-in kind has it as a field. */
  static Meta.ObjectMeta metadataOf(Message message) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName("metadata");
    if (field == null || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return Meta.ObjectMeta.getDefaultInstance();
    }
    Object value = message.getField(field);
    return value instanceof Meta.ObjectMeta meta ? meta : Meta.ObjectMeta.getDefaultInstance();
  }

  private static Optional<Message> find(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
    if (version.isEmpty() || kind.isEmpty()) {
      return Optional.empty();
    }
    // The outer class is the version and the group's first label, capitalised: "" + v1 -> V1,
    // apps + v1 -> V1Apps, rbac.authorization.k8s.io + v1 -> V1Rbac.
    String groupLabel = group.isEmpty() ? "" : capitalise(group.substring(0, firstDotOrEnd(group)));
    String className = PROTO_PACKAGE + capitalise(version) + groupLabel + "$" + kind;
    try {
      Class<?> type = Class.forName(className, true, ProtoKinds.class.getClassLoader());
      if (!Message.class.isAssignableFrom(type)) {
        return Optional.empty();
      }
      Message prototype = (Message) type.getMethod("getDefaultInstance").invoke(null);
      Descriptor descriptor = prototype.getDescriptorForType();
      // Guard against a same-named class in another API package: the proto package ends in the version.
      boolean matches = descriptor.getName().equals(kind)
          && descriptor.getFile().getPackage().endsWith("." + version)
          && descriptor.findFieldByName("metadata") != null;
      return matches ? Optional.of(prototype) : Optional.empty();
    } catch (ReflectiveOperationException | LinkageError e) {
      return Optional.empty();
    }
  }

  private static int firstDotOrEnd(String group) {
    int dot = group.indexOf('.');
    return dot < 0 ? group.length() : dot;
  }

  private static String capitalise(String s) {
    return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
  }
}
