package dev.etcdcache.server.clients;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One run of a third-party client program (etcdctl, python3, a Go binary) as a subprocess this
 * test owns: stdout and stderr are captured, and the process is ended by its own handle (its PID,
 * and any descendants) when it overstays its time or the caller stops it. Never by name.
 *
 * <p>Not thread-safe; one instance per process.
 */
final class ExternalCommand implements AutoCloseable {
  private final List<String> command;
  private final Process process;
  private final Pump stdout;
  private final Pump stderr;

  private ExternalCommand(List<String> command, Process process) {
    this.command = command;
    this.process = process;
    this.stdout = new Pump(process.getInputStream(), "stdout " + command.get(0));
    this.stderr = new Pump(process.getErrorStream(), "stderr " + command.get(0));
  }

  /** What a finished (or stopped) run produced. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    /** The run's output for an assertion message. */
    String describe() {
      return String.join(" ", command) + "\n  exit " + exitCode + "\n  stdout: " + stdout + "\n  stderr: " + stderr;
    }
  }

  /** Starts {@code command} with {@code env} added to this JVM's environment, in {@code dir} (null: current). */
  static ExternalCommand start(List<String> command, Map<String, String> env, Path dir) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    if (dir != null) {
      builder.directory(dir.toFile());
    }
    try {
      return new ExternalCommand(List.copyOf(command), builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command + " (run scripts/ensure-clients.sh)", e);
    }
  }

  /** Runs {@code command} to completion, feeding it {@code stdin} (may be empty), within {@code timeout}. */
  static Result run(List<String> command, Map<String, String> env, Path dir, String stdin, Duration timeout) {
    try (ExternalCommand running = start(command, env, dir)) {
      running.write(stdin);
      running.closeStdin();
      return running.await(timeout);
    }
  }

  /** Writes {@code text} to the process's stdin and flushes. */
  void write(String text) {
    try {
      OutputStream in = process.getOutputStream();
      in.write(text.getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to " + command, e);
    }
  }

  void closeStdin() {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing stdin of " + command, e);
    }
  }

  /** Stdout so far. */
  String stdoutSoFar() {
    return stdout.text();
  }

  /**
   * Waits until {@code stdout} so far satisfies {@code done}, the process exits, or {@code timeout}
   * passes. Returns whether {@code done} was reached (the caller asserts on it). The process is left
   * as it is: a caller that is done with it ends it with {@link #await} or {@link #close}.
   */
  boolean awaitStdout(Predicate<String> done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (done.test(stdout.text())) {
        return true;
      }
      if (!process.isAlive()) {
        return done.test(stdout.text());
      }
      sleep(50);
    }
    return done.test(stdout.text());
  }

  /** Waits up to {@code timeout} for the process to exit by itself; kills it if it does not (exit code then -1). */
  Result await(Duration timeout) {
    boolean exited;
    try {
      exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exited = false;
    }
    if (!exited) {
      kill();
    }
    return finish(exited ? process.exitValue() : -1);
  }

  /** Stops the process now (it is expected to run until stopped, like a watch) and returns what it printed. */
  Result stop() {
    if (process.isAlive()) {
      process.destroy();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    kill();
    return finish(-1);
  }

  /** Asks the process to end (SIGTERM, so etcdctl lock/elect close their session), waits, and returns its output. */
  Result terminate() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
    return finish(process.isAlive() ? -1 : process.exitValue());
  }

  /**
   * Ends the process if it still runs: SIGTERM first (etcdctl lock/elect then revoke their session
   * lease, instead of leaving it to expire later and write a revision in the middle of another
   * test), SIGKILL if it is still there after a few seconds.
   */
  @Override
  public void close() {
    if (process.isAlive()) {
      terminate();
    }
  }

  private Result finish(int exitCode) {
    stdout.join();
    stderr.join();
    return new Result(command, exitCode, stdout.text(), stderr.text());
  }

  private void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Copies one output stream of the process into memory on its own thread. */
  private static final class Pump {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final Thread thread;

    Pump(InputStream in, String name) {
      thread = new Thread(() -> copy(in), "pump " + name);
      thread.setDaemon(true);
      thread.start();
    }

    private void copy(InputStream in) {
      byte[] chunk = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(chunk)) >= 0) {
          synchronized (buffer) {
            buffer.write(chunk, 0, n);
          }
        }
      } catch (IOException e) {
        // The process was killed: what was read so far is the output.
      }
    }

    String text() {
      synchronized (buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
      }
    }

    void join() {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Convenience for building a command line. */
  static List<String> commandLine(String program, List<String> args) {
    List<String> all = new ArrayList<>();
    all.add(program);
    all.addAll(args);
    return all;
  }
}
