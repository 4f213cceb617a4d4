package dev.etcdcache.core;

import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Key values as comparable lines (key, revisions, version, lease, value hash), for tests that compare answers with etcd's. */
final class RenderedKeyValues {

  private RenderedKeyValues() {}

  static List<String> render(List<KeyValue> kvs) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : kvs) {
      out.add(kv.getKey().toString(StandardCharsets.UTF_8) + "@" + kv.getCreateRevision() + "/" + kv.getModRevision()
          + "/" + kv.getVersion() + "/" + kv.getLease() + "=" + Arrays.hashCode(kv.getValue().getBytes()));
    }
    return out;
  }
}
