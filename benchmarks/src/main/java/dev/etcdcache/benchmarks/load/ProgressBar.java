package dev.etcdcache.benchmarks.load;

import java.io.PrintStream;

/**
 * A one-line progress bar redrawn in place on a terminal; without one (CI logs) a line at each
 * quarter. Not thread-safe: one thread draws.
 */
final class ProgressBar {

  private static final int WIDTH = 40;

  private final PrintStream out;
  private final long total;
  private final boolean terminal = System.console() != null;
  private final long startNanos = System.nanoTime();
  private int lastQuarter = -1;

  ProgressBar(PrintStream out, long total) {
    this.out = out;
    this.total = total;
  }

  void update(long done) {
    double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    long rate = seconds > 0 ? (long) (done / seconds) : 0;
    if (terminal) {
      int filled = (int) (fraction * WIDTH);
      out.printf("\r    [%s%s] %3d%%  %,d/%,d keys  %,d keys/s ", "#".repeat(filled), "-".repeat(WIDTH - filled),
          (int) (fraction * 100), done, total, rate);
      out.flush();
    } else if ((int) (fraction * 4) > lastQuarter) {
      lastQuarter = (int) (fraction * 4);
      out.printf("    %3d%%  %,d/%,d keys  %,d keys/s%n", lastQuarter * 25, done, total, rate);
    }
  }

  void finish(long done) {
    update(done);
    if (terminal) {
      out.println();
    }
  }
}
