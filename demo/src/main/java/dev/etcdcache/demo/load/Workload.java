package dev.etcdcache.demo.load;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A read the demo and the load harness measure, issued the way an application would through
 * jetcd's {@link KV}, on a random key or namespace of a {@link KeySet}. Immutable; {@link #issue}
 * may be called from any number of threads.
 */
public enum Workload {
  /** One random key. */
  POINT_GET("point Get") {
    @Override
    public GetOption option(Consistency consistency) {
      return consistency == Consistency.SERIALIZABLE ? SERIALIZABLE_KEY : GetOption.DEFAULT;
    }

    @Override
    public CompletableFuture<GetResponse> issue(KV kv, KeySet keys, Consistency consistency) {
      int index = ThreadLocalRandom.current().nextInt(keys.count());
      return kv.get(keys.prebuiltKey(index), option(consistency)).thenApply(Answers::consume);
    }
  },
  /** Every key of one random namespace: 100 keys, about 30 KB. */
  PREFIX_LIST("prefix List (100 keys)") {
    @Override
    public GetOption option(Consistency consistency) {
      return consistency == Consistency.SERIALIZABLE ? SERIALIZABLE_PREFIX : PREFIX;
    }

    @Override
    public CompletableFuture<GetResponse> issue(KV kv, KeySet keys, Consistency consistency) {
      int namespace = ThreadLocalRandom.current().nextInt(keys.namespaces());
      return kv.get(keys.namespace(namespace), option(consistency)).thenApply(Answers::consume);
    }
  };

  private static final GetOption SERIALIZABLE_KEY = GetOption.builder().withSerializable(true).build();
  private static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();
  private static final GetOption SERIALIZABLE_PREFIX =
      GetOption.builder().isPrefix(true).withSerializable(true).build();

  private final String label;

  Workload(String label) {
    this.label = label;
  }

  /** What the tables call it, e.g. {@code "point Get"}. */
  public String label() {
    return label;
  }

  /** The jetcd option this workload reads with at {@code consistency}. */
  public abstract GetOption option(Consistency consistency);

  /**
   * Sends one request of this kind, on a random key or namespace of {@code keys}, through
   * {@code kv}; the future completes once the answer has been read as a caller reads it
   * ({@link Answers#consume}).
   */
  public abstract CompletableFuture<GetResponse> issue(KV kv, KeySet keys, Consistency consistency);
}
