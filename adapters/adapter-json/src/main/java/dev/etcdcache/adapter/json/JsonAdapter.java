package dev.etcdcache.adapter.json;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.AdapterMetrics;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.etcdcache.api.IndexDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * An {@link Adapter} for JSON values, decoded with Jackson into a {@link JsonNode} tree
 * ({@link #tree()}) or a class of yours ({@link #of(Class)}), with indexes declared by JSON Pointer:
 *
 * <pre>{@code
 * JsonAdapter<JsonNode> pods = JsonAdapter.tree()
 *     .index("namespace", "/metadata/namespace")
 *     .index("container", "/spec/containers")      // an array: one index value per element
 *     .build();
 * CacheView<JsonNode> view = client.view("/registry/pods/", pods);
 * view.list(Query.eq(pods.index("namespace"), "prod")).get();
 * }</pre>
 *
 * <p>A pointer's index values: a string, number or boolean gives its text; an array gives the text
 * of each scalar element; a missing node, {@code null}, an object, and objects inside an array give
 * none. For a class of yours, pointer indexes convert the object to a tree on each evaluation;
 * declare hot indexes as functions ({@link Builder#index(String, Function)}) to avoid that.
 *
 * <p>A value that is not JSON, is empty, or does not bind to the class fails {@link #decode} with an
 * {@link UncheckedIOException}; a view counts it and leaves the key out.
 *
 * <p>With metrics bound ({@link #bindMetrics}) it counts {@code json.decode.failures} by
 * {@code pointer}: the JSON Pointer of the field that did not bind, {@code #} for a value that is
 * not JSON at all.
 *
 * <p>Thread-safe (Jackson's {@link ObjectMapper} is, once configured); immutable but for the
 * metrics binding.
 *
 * @param <T> the decoded type
 */
public final class JsonAdapter<T> implements Adapter<T> {

  private final ObjectMapper mapper;
  private final Class<T> type;
  private final Map<String, IndexDefinition<T>> indexes;
  private final BiPredicate<String, T> filter;
  private volatile AdapterMetrics metrics = AdapterMetrics.noop();

  private JsonAdapter(Builder<T> b) {
    this.mapper = b.mapper;
    this.type = b.type;
    this.indexes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.indexes));
    this.filter = b.filter;
  }

  /** A builder for an adapter decoding values into {@link JsonNode} trees. */
  public static Builder<JsonNode> tree() {
    return new Builder<>(JsonNode.class);
  }

  /** A builder for an adapter binding values to {@code type} with Jackson. */
  public static <T> Builder<T> of(Class<T> type) {
    return new Builder<>(Objects.requireNonNull(type, "type"));
  }

  /**
   * The index declared as {@code name}: the handle to query the view with.
   *
   * @throws IllegalArgumentException if no index has that name
   */
  public IndexDefinition<T> index(String name) {
    IndexDefinition<T> d = indexes.get(name);
    if (d == null) {
      throw new IllegalArgumentException("no index named " + name + " (declared: " + indexes.keySet() + ")");
    }
    return d;
  }

  @Override
  public T decode(byte[] key, byte[] value) {
    try {
      JsonNode node = mapper.readTree(value);
      if (node == null || node.isMissingNode()) {
        throw new UncheckedIOException(new IOException("empty value"));
      }
      return type == JsonNode.class ? type.cast(node) : mapper.treeToValue(node, type);
    } catch (IOException e) {
      metrics.counter("json.decode.failures", "values that were not JSON or did not bind, by JSON Pointer",
          "pointer", pointerOf(e)).increment();
      throw new UncheckedIOException(e);
    } catch (UncheckedIOException e) {
      metrics.counter("json.decode.failures", "values that were not JSON or did not bind, by JSON Pointer",
          "pointer", "#").increment();
      throw e;
    }
  }

  /** Counts decode failures in {@code metrics} (see the class comment); a shared adapter keeps the last. */
  @Override
  public void bindMetrics(AdapterMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /** The JSON Pointer of the field a binding failed at, {@code #} if the value did not parse. */
  static String pointerOf(IOException e) {
    if (!(e instanceof JsonMappingException m) || e instanceof com.fasterxml.jackson.core.JsonParseException
        || m.getPath().isEmpty()) {
      return "#";
    }
    StringBuilder pointer = new StringBuilder();
    for (JsonMappingException.Reference r : m.getPath()) {
      pointer.append('/');
      if (r.getFieldName() != null) {
        pointer.append(r.getFieldName().replace("~", "~0").replace("/", "~1"));
      } else {
        pointer.append(r.getIndex());
      }
    }
    return pointer.toString();
  }

  @Override
  public byte[] encode(T object) {
    try {
      return mapper.writeValueAsBytes(object);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<IndexDefinition<T>> indexes() {
    return List.copyOf(indexes.values());
  }

  @Override
  public boolean accept(byte[] key, T object) {
    return filter.test(new String(key, StandardCharsets.UTF_8), object);
  }

  /** The index values of {@code node} at {@code pointer}, as documented on this class. */
  public static Collection<String> valuesAt(JsonNode node, JsonPointer pointer) {
    JsonNode at = node.at(pointer);
    if (at.isValueNode() && !at.isNull()) {
      return List.of(at.asText());
    }
    if (!at.isArray()) {
      return List.of();
    }
    LinkedHashSet<String> values = new LinkedHashSet<>();
    for (JsonNode element : at) {
      if (element.isValueNode() && !element.isNull()) {
        values.add(element.asText());
      }
    }
    return new ArrayList<>(values);
  }

  /**
   * Configures a {@link JsonAdapter}. Each setter validates at once; index names must be unique.
   * Not thread-safe.
   *
   * @param <T> the decoded type
   */
  public static final class Builder<T> {
    private final Class<T> type;
    private ObjectMapper mapper = new ObjectMapper();
    private final Map<String, IndexDefinition<T>> indexes = new LinkedHashMap<>();
    private BiPredicate<String, T> filter = (key, object) -> true;

    private Builder(Class<T> type) {
      this.type = type;
    }

    /** The Jackson mapper to decode and encode with (default a plain {@code new ObjectMapper()}). */
    public Builder<T> mapper(ObjectMapper objectMapper) {
      this.mapper = Objects.requireNonNull(objectMapper, "objectMapper");
      return this;
    }

    /**
     * An index whose values are found at {@code jsonPointer} (RFC 6901, e.g.
     * {@code /metadata/labels/app}); an array there gives one value per scalar element.
     *
     * @throws IllegalArgumentException if the pointer is malformed or the name is taken
     */
    public Builder<T> index(String name, String jsonPointer) {
      JsonPointer pointer = JsonPointer.compile(Objects.requireNonNull(jsonPointer, "jsonPointer"));
      // Reads the builder's mapper when evaluated, so mapper(...) may be set after the indexes.
      Function<T, Collection<String>> values = type == JsonNode.class
          ? object -> valuesAt((JsonNode) object, pointer)
          : object -> valuesAt(mapper.valueToTree(object), pointer);
      return index(name, values);
    }

    /**
     * An index computed by {@code values} (deterministic, thread-safe, no side effects).
     *
     * @throws IllegalArgumentException if the name is taken
     */
    public Builder<T> index(String name, Function<T, ? extends Collection<String>> values) {
      Objects.requireNonNull(values, "values");
      IndexDefinition<T> d = IndexDefinition.of(name, values::apply);
      if (indexes.putIfAbsent(name, d) != null) {
        throw new IllegalArgumentException("an index named " + name + " is already declared");
      }
      return this;
    }

    /** Keeps only the objects {@code accept} returns true for (given the key as text); default all. */
    public Builder<T> filter(BiPredicate<String, T> accept) {
      this.filter = Objects.requireNonNull(accept, "accept");
      return this;
    }

    /** The adapter. */
    public JsonAdapter<T> build() {
      return new JsonAdapter<>(this);
    }
  }
}
