package dev.etcdcache.adapter.kubernetes;

import com.google.protobuf.ByteString;
import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.AdapterMetrics;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link Adapter} for what kube-apiserver stores in etcd: decodes every value under the layout's
 * prefix into a {@link KubeObject} (typed protobuf, JSON, encrypted placeholder, or metadata plus raw
 * bytes for kinds client-java-proto does not know; never a crash on a well-formed value), keeps the
 * indexes Kubernetes lists and watches need, and compiles label and field selectors into queries on
 * them ({@link #select}).
 *
 * <p>Indexes, all declared up front: {@link #namespaceIndex()}, {@link #labelIndex()}
 * ({@code key=value}), {@link #labelKeyIndex()} (key existence), {@link #ownerIndex()} (owner uid),
 * {@link #kindIndex()} ({@code apiVersion/kind}) and {@link #fieldIndex()} ({@code path=value} for
 * the configured field paths).
 *
 * <p>Thread-safe and free of side effects other than its decode counters.
 */
public final class KubernetesAdapter implements Adapter<KubeObject> {

  /**
   * The field paths indexed by default: the ones kube-apiserver's field selectors are most used
   * with (kubelet's {@code spec.nodeName}, the scheduler's {@code spec.schedulerName} and
   * {@code status.phase}) and the metadata every kind supports.
   */
  public static final List<String> DEFAULT_INDEXED_FIELDS = List.of(
      "metadata.name", "metadata.namespace", "spec.nodeName", "status.phase", "spec.schedulerName",
      "spec.serviceAccountName", "spec.restartPolicy", "status.podIP", "status.nominatedNodeName",
      "spec.unschedulable", "type");

  private final KeyLayout layout;
  private final KubeDecoder decoder;
  private final boolean keepEncrypted;
  private final Set<String> indexedFields;
  private final IndexDefinition<KubeObject> namespaceIndex;
  private final IndexDefinition<KubeObject> labelIndex;
  private final IndexDefinition<KubeObject> labelKeyIndex;
  private final IndexDefinition<KubeObject> ownerIndex;
  private final IndexDefinition<KubeObject> kindIndex;
  private final IndexDefinition<KubeObject> fieldIndex;
  /** Null until a view binds metrics: decode then counts nothing beyond {@link #decodeCounts()}. */
  private volatile KubeMeters meters;

  private KubernetesAdapter(Builder builder) {
    this.layout = builder.layout == null ? KeyLayout.standard() : builder.layout;
    this.decoder = new KubeDecoder(layout, builder.decryptor);
    this.keepEncrypted = builder.keepEncrypted != null && builder.keepEncrypted;
    this.indexedFields = builder.indexedFields == null ? Set.copyOf(DEFAULT_INDEXED_FIELDS) : builder.indexedFields;
    this.namespaceIndex = IndexDefinition.single("k8s.namespace", o -> o.namespace().isEmpty() ? null : o.namespace());
    this.labelIndex = IndexDefinition.of("k8s.label", KubernetesAdapter::labelPairs);
    this.labelKeyIndex = IndexDefinition.of("k8s.labelKey", o -> o.labels().keySet());
    this.ownerIndex = IndexDefinition.of("k8s.owner", KubernetesAdapter::ownerUids);
    this.kindIndex = IndexDefinition.single("k8s.kind", o -> o.kind().isEmpty() ? null : o.apiVersion() + "/" + o.kind());
    List<String> fields = List.copyOf(indexedFields);
    this.fieldIndex = IndexDefinition.of("k8s.field", o -> fieldPairs(o, fields));
  }

  /** A builder with the defaults: prefix {@code /registry}, no decryptor, encrypted values skipped. */
  public static Builder builder() {
    return new Builder();
  }

  /** The adapter with every default. */
  public static KubernetesAdapter standard() {
    return builder().build();
  }

  /** The key layout the adapter decodes under. */
  public KeyLayout layout() {
    return layout;
  }

  /** Decodes a value without its revision: {@link KubeObject#resourceVersion()} is 0. Views call the
   * three-argument form, so objects in a view carry their mod revision. */
  @Override
  public KubeObject decode(byte[] key, byte[] value) {
    return decode(key, value, 0);
  }

  /**
   * Decodes a value with its mod revision as resourceVersion, as Kubernetes derives it.
   *
   * @throws IllegalArgumentException if an object key holds a value that is neither a k8s protobuf
   *     envelope, JSON nor encrypted, or that does not parse
   */
  @Override
  public KubeObject decode(byte[] key, byte[] value, long modRevision) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    KubeMeters m = meters;
    if (m == null) {
      return decoder.decode(new String(key, StandardCharsets.UTF_8), value, modRevision);
    }
    KubeObject object;
    try {
      object = decoder.decode(new String(key, StandardCharsets.UTF_8), value, modRevision);
    } catch (RuntimeException e) {
      m.decodeFailure(failureReason(value));
      throw e;
    }
    if (object.encoding() == ValueEncoding.ENCRYPTED && !keepEncrypted) {
      m.encryptedSkipped();
    }
    return object;
  }

  /**
   * Registers, under {@code kubernetes.*}: {@code objects} (gauge; tags kind, namespace, where
   * cluster-scoped objects have namespace {@code _cluster}), {@code changes} (counter; kind,
   * namespace, type=created|updated|deleted), {@code decode.failures} (counter; reason=protobuf|json|
   * encrypted|unknown_encoding, by how the value was stored) and {@code encrypted.skipped} (counter).
   * A shared adapter keeps the last binding.
   */
  @Override
  public void bindMetrics(AdapterMetrics metrics) {
    meters = new KubeMeters(metrics);
  }

  @Override
  public void observeChange(KubeObject previous, KubeObject current) {
    KubeMeters m = meters;
    if (m != null) {
      m.change(previous, current);
    }
  }

  /** Why a value failed, by its stored form (the decoder chose its path the same way). */
  private static String failureReason(byte[] value) {
    String head = new String(value, 0, Math.min(value.length, 8), StandardCharsets.ISO_8859_1);
    if (head.startsWith("k8s:enc:")) {
      return "encrypted";
    }
    if (head.startsWith("k8s\0")) {
      return "protobuf";
    }
    for (byte b : value) {
      if (!Character.isWhitespace(b)) {
        return b == '{' ? "json" : "unknown_encoding";
      }
    }
    return "unknown_encoding";
  }

  /**
   * Encodes an object as kube-apiserver stores it: a typed object as a fresh envelope around its
   * message (so an edited message is written), an untyped one around its raw bytes, JSON and
   * encrypted values as their bytes. {@code metadata.resourceVersion} is written as the message
   * holds it (kube-apiserver stores it empty).
   */
  @Override
  public byte[] encode(KubeObject object) {
    switch (object.encoding()) {
      case PROTOBUF:
        ByteString raw = object.message() != null ? object.message().toByteString() : object.raw();
        return new Envelope(object.apiVersion(), object.kind(), raw, "").toValue();
      default:
        return object.raw().toByteArray();
    }
  }

  /** The six indexes, declared with every view over this adapter. */
  @Override
  public List<IndexDefinition<KubeObject>> indexes() {
    return List.of(namespaceIndex, labelIndex, labelKeyIndex, ownerIndex, kindIndex, fieldIndex);
  }

  /**
   * Keeps Kubernetes objects; skips keys that are not object keys ({@code compact_rev_key}) and,
   * unless the builder said {@link Builder#keepEncrypted}, values no decryptor opened (they are
   * counted in {@link #decodeCounts()}).
   */
  @Override
  public boolean accept(byte[] key, KubeObject object) {
    return switch (object.encoding()) {
      case NOT_AN_OBJECT -> false;
      case ENCRYPTED -> keepEncrypted;
      default -> true;
    };
  }

  /** The decode counters since this adapter was built. */
  public DecodeCounts decodeCounts() {
    return decoder.counts();
  }

  /** Index of the namespace; cluster-scoped objects have no entry. */
  public IndexDefinition<KubeObject> namespaceIndex() {
    return namespaceIndex;
  }

  /** Index of {@code key=value} for every label. */
  public IndexDefinition<KubeObject> labelIndex() {
    return labelIndex;
  }

  /** Index of every label key (for {@code key} existence selectors). */
  public IndexDefinition<KubeObject> labelKeyIndex() {
    return labelKeyIndex;
  }

  /** Index of every owner reference's uid. */
  public IndexDefinition<KubeObject> ownerIndex() {
    return ownerIndex;
  }

  /** Index of {@code apiVersion/kind} ({@code v1/Pod}). */
  public IndexDefinition<KubeObject> kindIndex() {
    return kindIndex;
  }

  /** Index of {@code path=value} for each {@link #indexedFields() indexed field path} the object has. */
  public IndexDefinition<KubeObject> fieldIndex() {
    return fieldIndex;
  }

  /** The field paths {@link #fieldIndex()} holds. */
  public Set<String> indexedFields() {
    return indexedFields;
  }

  /**
   * Compiles a list or watch request. Pass {@code ""} rather than {@code null} for an absent selector
   * when both are absent (two nulls would also match {@link #select(String, LabelSelector, FieldSelector)}).
   *
   * @param namespace the namespace, or {@code null} for all namespaces
   * @param labelSelector label selector text, or {@code null}/blank for everything
   * @param fieldSelector field selector text, or {@code null}/blank for everything
   * @throws IllegalArgumentException if a selector does not parse
   */
  public Selection select(String namespace, String labelSelector, String fieldSelector) {
    return select(namespace, LabelSelector.parse(labelSelector), FieldSelector.parse(fieldSelector));
  }

  /**
   * Compiles a list or watch request: each requirement an index answers becomes an {@code Eq} (an
   * {@code in} set an {@code Or} of them), joined with {@code And}; the rest stays for the filter.
   */
  public Selection select(String namespace, LabelSelector labels, FieldSelector fields) {
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(fields, "fields");
    List<Query<KubeObject>> parts = new ArrayList<>();
    boolean exact = true;
    if (namespace != null) {
      parts.add(Query.eq(namespaceIndex, namespace));
    }
    for (FieldSelector.Requirement r : fields.requirements()) {
      if (r.equal() && indexedFields.contains(r.path())) {
        parts.add(Query.eq(fieldIndex, r.path() + "=" + r.value()));
      } else {
        exact = false;
      }
    }
    for (LabelSelector.Requirement r : labels.requirements()) {
      switch (r.operator()) {
        case IN -> parts.add(anyOf(r.key(), r.values()));
        case EXISTS -> parts.add(Query.eq(labelKeyIndex, r.key()));
        default -> exact = false;
      }
    }
    Query<KubeObject> query = parts.isEmpty() ? Query.all() : parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      query = query.and(parts.get(i));
    }
    return new Selection(query, exact, namespace, labels, fields);
  }

  private Query<KubeObject> anyOf(String key, Set<String> values) {
    Query<KubeObject> any = null;
    for (String value : values) {
      Query<KubeObject> one = Query.eq(labelIndex, key + "=" + value);
      any = any == null ? one : any.or(one);
    }
    return any;
  }

  private static Collection<String> labelPairs(KubeObject o) {
    List<String> pairs = new ArrayList<>(o.labels().size());
    o.labels().forEach((k, v) -> pairs.add(k + "=" + v));
    return pairs;
  }

  private static Collection<String> ownerUids(KubeObject o) {
    Set<String> uids = new LinkedHashSet<>();
    o.ownerReferences().forEach(r -> uids.add(r.uid()));
    return uids;
  }

  private static Collection<String> fieldPairs(KubeObject o, List<String> paths) {
    List<String> pairs = new ArrayList<>(4);
    for (String path : paths) {
      String value = FieldPaths.resolve(o, path);
      if (value != null) {
        pairs.add(path + "=" + value);
      }
    }
    return pairs;
  }

  /**
   * Configures a {@link KubernetesAdapter}. Each setter validates at once and may be called once
   * ({@link IllegalStateException} the second time). Not thread-safe.
   */
  public static final class Builder {
    private KeyLayout layout;
    private ValueDecryptor decryptor;
    private Boolean keepEncrypted;
    private Set<String> indexedFields;

    private Builder() {}

    /** kube-apiserver's {@code --etcd-prefix}; default {@code /registry}. */
    public Builder etcdPrefix(String etcdPrefix) {
      return layout(KeyLayout.of(etcdPrefix));
    }

    /** The key layout; default {@link KeyLayout#standard()}. Conflicts with {@link #etcdPrefix}. */
    public Builder layout(KeyLayout layout) {
      Objects.requireNonNull(layout, "layout");
      if (this.layout != null) {
        throw new IllegalStateException("the layout (etcd prefix) is already set: " + this.layout);
      }
      this.layout = layout;
      return this;
    }

    /** Opens values encrypted at rest; default none (they decode as {@link ValueEncoding#ENCRYPTED}). */
    public Builder decryptor(ValueDecryptor decryptor) {
      Objects.requireNonNull(decryptor, "decryptor");
      if (this.decryptor != null) {
        throw new IllegalStateException("the decryptor is already set");
      }
      this.decryptor = decryptor;
      return this;
    }

    /**
     * Whether views keep encrypted values that no decryptor opened, as placeholders with namespace
     * and name only; default {@code false} (skipped, counted in {@link #decodeCounts()}).
     */
    public Builder keepEncrypted(boolean keep) {
      if (this.keepEncrypted != null) {
        throw new IllegalStateException("keepEncrypted is already set");
      }
      this.keepEncrypted = keep;
      return this;
    }

    /**
     * The field paths the field index holds; default {@link #DEFAULT_INDEXED_FIELDS}. Field selector
     * terms on other paths are answered by filtering.
     *
     * @throws IllegalArgumentException if a path is empty
     */
    public Builder indexedFields(Collection<String> paths) {
      Objects.requireNonNull(paths, "paths");
      if (this.indexedFields != null) {
        throw new IllegalStateException("the indexed fields are already set");
      }
      for (String p : paths) {
        if (p == null || p.isEmpty() || p.startsWith(".") || p.endsWith(".")) {
          throw new IllegalArgumentException("not a field path: '" + p + "'");
        }
      }
      this.indexedFields = Set.copyOf(paths);
      return this;
    }

    /** The adapter. */
    public KubernetesAdapter build() {
      return new KubernetesAdapter(this);
    }
  }
}
