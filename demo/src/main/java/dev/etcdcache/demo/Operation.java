package dev.etcdcache.demo;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/** A read the demo measures, issued the way an application would through jetcd's {@link KV}. */
enum Operation {
  /** One random key. */
  POINT_GET("point Get") {
    @Override
    CompletableFuture<GetResponse> issue(KV kv, DemoKeys keys, boolean serializable) {
      int index = ThreadLocalRandom.current().nextInt(keys.count());
      return kv.get(keys.key(index), serializable ? SERIALIZABLE_KEY : GetOption.DEFAULT);
    }
  },
  /** Every key of one random namespace: 100 keys, about 30 KB. */
  PREFIX_LIST("prefix List (100 keys)") {
    @Override
    CompletableFuture<GetResponse> issue(KV kv, DemoKeys keys, boolean serializable) {
      int namespace = ThreadLocalRandom.current().nextInt(keys.namespaces());
      return kv.get(keys.namespace(namespace), serializable ? SERIALIZABLE_PREFIX : PREFIX);
    }
  };

  private static final GetOption SERIALIZABLE_KEY = GetOption.builder().withSerializable(true).build();
  private static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();
  private static final GetOption SERIALIZABLE_PREFIX =
      GetOption.builder().isPrefix(true).withSerializable(true).build();

  private final String label;

  Operation(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }

  /** Sends one request of this kind, with random key or namespace, through {@code kv}. */
  abstract CompletableFuture<GetResponse> issue(KV kv, DemoKeys keys, boolean serializable);
}
