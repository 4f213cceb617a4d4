package dev.etcdcache.adapter.kubernetes;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The value of a field-selector path ({@code spec.nodeName}, {@code status.phase},
 * {@code metadata.name}) on an object, formatted as kube-apiserver's field sets do: strings as
 * they are, booleans {@code true}/{@code false}, integers in decimal.
 *
 * <p>Typed objects are walked through their protobuf descriptors, whose field names are the API's
 * JSON names, and JSON objects through their tree, so any scalar path of any kind resolves, a superset
 * of the few paths kube-apiserver accepts per kind. A string field that exists but is unset resolves
 * to {@code ""} (as in Go, so {@code spec.nodeName=} selects unscheduled pods); a path the schema does
 * not have resolves to {@code null}.
 */
final class FieldPaths {

  private FieldPaths() {}

  /** The formatted value at {@code path}, or {@code null} if the object has no such scalar field. */
  static String resolve(KubeObject object, String path) {
    switch (path) {
      case "metadata.name":
        return object.name();
      case "metadata.namespace":
        return object.namespace();
      case "metadata.uid":
        return object.uid();
      default:
        break;
    }
    String[] segments = path.split("\\.", -1);
    if (object.message() != null) {
      return resolve(object.message(), segments);
    }
    if (object.json() != null) {
      return format(JsonTree.at(object.json(), segments));
    }
    return null;
  }

  private static String resolve(Message message, String[] segments) {
    Message current = message;
    for (int i = 0; i < segments.length; i++) {
      FieldDescriptor field = current.getDescriptorForType().findFieldByName(segments[i]);
      if (field == null || field.isRepeated()) {
        return null;
      }
      Object value = current.getField(field);
      boolean last = i == segments.length - 1;
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (last) {
          return null;
        }
        current = (Message) value;
      } else {
        return last ? format(value) : null;
      }
    }
    return null;
  }

  private static String format(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
      return value.toString();
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof Map<?, ?> || value == null) {
      return null;
    }
    return value.toString();
  }
}
