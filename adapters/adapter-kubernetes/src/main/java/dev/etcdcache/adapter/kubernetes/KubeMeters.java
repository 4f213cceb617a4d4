package dev.etcdcache.adapter.kubernetes;

import dev.etcdcache.api.AdapterMetrics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Kubernetes adapter's business meters: objects held and changes seen by kind and namespace,
 * decode failures by reason, encrypted values skipped. Object counts are exact: the view reports
 * every object entering and leaving it ({@link dev.etcdcache.api.Adapter#observeChange}), from its
 * first build on. A gauge for a kind and namespace is registered the first time one is seen and
 * reads 0 once they are gone. Thread-safe.
 */
final class KubeMeters {

  /** Tag value for cluster-scoped objects: no namespace name can contain an underscore. */
  static final String CLUSTER_SCOPED = "_cluster";

  private final AdapterMetrics metrics;
  private final Map<List<String>, AtomicLong> objects = new ConcurrentHashMap<>();
  private final AdapterMetrics.Counter encryptedSkipped;

  KubeMeters(AdapterMetrics metrics) {
    this.metrics = metrics;
    this.encryptedSkipped = metrics.counter("kubernetes.encrypted.skipped",
        "values encrypted at rest that no decryptor opened, left out of the view");
  }

  void encryptedSkipped() {
    encryptedSkipped.increment();
  }

  void decodeFailure(String reason) {
    metrics.counter("kubernetes.decode.failures", "values the adapter could not decode", "reason", reason)
        .increment();
  }

  void change(KubeObject previous, KubeObject current) {
    KubeObject o = current != null ? current : previous;
    String type = previous == null ? "created" : current == null ? "deleted" : "updated";
    String kind = o.kind().isEmpty() ? "unknown" : o.kind();
    String namespace = o.namespace().isEmpty() ? CLUSTER_SCOPED : o.namespace();
    metrics.counter("kubernetes.changes", "object changes seen by the view",
        "kind", kind, "namespace", namespace, "type", type).increment();
    if (previous != null && current != null) {
      return;
    }
    objects.computeIfAbsent(List.of(kind, namespace), k -> {
      AtomicLong count = new AtomicLong();
      metrics.gauge("kubernetes.objects", "objects the view holds", count::get, "kind", kind, "namespace", namespace);
      return count;
    }).addAndGet(current != null ? 1 : -1);
  }
}
