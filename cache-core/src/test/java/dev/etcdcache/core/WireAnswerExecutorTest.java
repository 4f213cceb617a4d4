package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.core.passthrough.JetcdRange;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link CacheWire#range(RangeRequest, java.util.concurrent.Executor)}: reads from memory that wait
 * (linearizable, at a revision) are evaluated and completed on the caller's executor, not on the
 * thread that received etcd's answer to their shared probe, and answer exactly as etcd does.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WireAnswerExecutorTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  @Test
  void readsThatWait_areAnsweredOnTheCallersExecutor_withEtcdsAnswer() throws Exception {
    long first = 0;
    for (int i = 0; i < 50; i++) {
      long rev = ETCD.client().getKVClient().put(bytes("w/k" + i), bytes("v" + i)).get().getHeader().getRevision();
      first = first == 0 ? rev : first;
    }
    ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "answer-loop"));
    JetcdRange etcd = new JetcdRange(ETCD.client().getKVClient());
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("w/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      // Revisions the mirror applies itself, so that a read at one of them is answered from memory.
      first = 0;
      for (int i = 0; i < 20; i++) {
        long rev = ETCD.client().getKVClient().put(bytes("w/k" + i), bytes("u" + i)).get().getHeader().getRevision();
        first = first == 0 ? rev : first;
      }
      List<RangeRequest> waiting = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        waiting.add(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("w/k" + i)).build());
        waiting.add(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("w/"))
            .setRangeEnd(ByteString.copyFromUtf8("w0")).setLimit(i + 1).build());
      }
      waiting.add(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("w/"))
          .setRangeEnd(ByteString.copyFromUtf8("w0")).setRevision(first + 10).build());
      long servedBefore = cache.stats().servedFromMemory();
      List<CompletableFuture<String>> threads = new ArrayList<>();
      List<CompletableFuture<RangeResponse>> answers = new ArrayList<>();
      int checked = 0;
      for (RangeRequest request : waiting) {
        CompletableFuture<RangeResponse> answer = cache.wire().range(request, loop);
        answers.add(answer);
        // A stage added to a pending future runs where it completes; one already answered (this
        // thread was descheduled longer than etcd took) tells nothing about that.
        boolean pending = !answer.isDone();
        threads.add(pending ? answer.thenApply(r -> Thread.currentThread().getName())
            : CompletableFuture.completedFuture("answer-loop"));
        checked += pending ? 1 : 0;
      }
      assertThat(checked).as("reads still waiting when their thread check was added").isPositive();
      for (int i = 0; i < waiting.size(); i++) {
        RangeResponse expected = etcd.apply(waiting.get(i)).get(10, TimeUnit.SECONDS);
        RangeResponse got = answers.get(i).get(10, TimeUnit.SECONDS);
        assertThat(got.getKvsList()).isEqualTo(expected.getKvsList());
        assertThat(got.getCount()).isEqualTo(expected.getCount());
        assertThat(got.getMore()).isEqualTo(expected.getMore());
        // Dependent stages run where the answer completed: the caller's executor.
        assertThat(threads.get(i).get(10, TimeUnit.SECONDS)).as("thread answering %s", waiting.get(i))
            .isEqualTo("answer-loop");
      }
      // A serializable read does not wait: answered at once, on the calling thread.
      CompletableFuture<RangeResponse> now = cache.wire().range(RangeRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("w/k1")).setSerializable(true).build(), loop);
      assertThat(now).isDone();
      assertThat(now.get().getKvs(0).getValue().toStringUtf8()).isEqualTo("u1");
      assertThat(cache.stats().servedFromMemory() - servedBefore).isGreaterThanOrEqualTo(waiting.size());
    } finally {
      loop.shutdownNow();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
