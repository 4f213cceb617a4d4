package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bounded memory under a small heap: a child JVM with {@code -Xmx256m} runs {@link SmallHeapRun}
 * (values near etcd's 1.5 MiB limit rewritten 1,000 times, then a keyspace larger than the 96 MiB
 * budget) against real etcd. It must end without an OutOfMemoryError, with every read equal to
 * etcd's, the watcher exact, and the estimate never past the budget.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SmallHeapTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  @Test
  void largeValuesRewrittenAndKeyspaceOverBudget_underSmallHeap_noOutOfMemoryAndExact() throws Exception {
    Path log = Files.createTempFile("small-heap", ".log");
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process child = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), SmallHeapRun.class.getName(),
        ETCD.endpoints().get(0).toString(), "1000", "80"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      boolean ended = child.waitFor(9, TimeUnit.MINUTES);
      String output = Files.readString(log);
      System.out.println(output.lines().filter(l -> !l.contains(" DEBUG ")).reduce("", (a, b) -> a + b + "\n"));
      assertThat(ended).as("the child JVM ended (a hang guard)").isTrue();
      assertThat(output).doesNotContain("OutOfMemoryError").doesNotContain("DIFFERENT");
      assertThat(child.exitValue()).isZero();
      assertThat(output).contains("EXACT");
    } finally {
      if (child.isAlive()) {
        child.destroyForcibly(); // this test's own child, by handle
      }
      Files.deleteIfExists(log);
    }
  }
}
