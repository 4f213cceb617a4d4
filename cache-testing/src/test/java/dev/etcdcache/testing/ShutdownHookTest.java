package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A JVM that exits without closing its cluster still leaves no etcd behind. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShutdownHookTest {
  @TempDir Path logDir;

  @Test
  void jvmExit_withoutClose_killsTheClusterProcesses() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        ExitWithoutClose.class.getName(), logDir.toString())
        .redirectErrorStream(true)
        .start();
    List<Long> pids = new ArrayList<>();
    List<String> output = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        output.add(line);
        if (line.startsWith("PID ")) {
          pids.add(Long.parseLong(line.substring(4)));
        }
      }
    }
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(pids).as("child output %s", output).hasSize(3);

    // SIGKILL from the hook is asynchronous; give the kernel a moment to reap them.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (pids.stream().anyMatch(ShutdownHookTest::alive) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(pids).noneMatch(ShutdownHookTest::alive);
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Child JVM: start a 3-member cluster, print the PIDs, exit without closing. */
  static final class ExitWithoutClose {
    public static void main(String[] args) {
      EtcdCluster cluster = EtcdCluster.builder().members(3).name("hook").logDir(Path.of(args[0])).build().start();
      for (EtcdMember member : cluster.members()) {
        System.out.println("PID " + member.pid().orElseThrow());
      }
      System.out.flush();
      System.exit(0);
    }
  }
}
