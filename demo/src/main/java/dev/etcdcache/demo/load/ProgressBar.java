package dev.etcdcache.demo.load;

import java.io.PrintStream;

/**
 * A one-line progress bar redrawn in place ({@code \r}) on a terminal; without a terminal (output
 * piped to a file, CI logs) it prints a line at each quarter instead, so logs stay readable.
 *
 * <p>Not thread-safe: one thread draws.
 */
final class ProgressBar {

  private static final int WIDTH = 40;

  private final PrintStream out;
  private final String indent;
  private final String unit;
  private final long total;
  private final boolean terminal = System.console() != null;
  private final long startNanos = System.nanoTime();
  private int lastQuarter = -1;

  ProgressBar(PrintStream out, String indent, String unit, long total) {
    this.out = out;
    this.indent = indent;
    this.unit = unit;
    this.total = total;
  }

  /** Shows {@code done} of the total. */
  void update(long done) {
    double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    long rate = seconds > 0 ? (long) (done / seconds) : 0;
    if (terminal) {
      int filled = (int) (fraction * WIDTH);
      out.printf("\r%s[%s%s] %3d%%  %,d/%,d %s  %,d %s/s ", indent, "#".repeat(filled), "-".repeat(WIDTH - filled),
          (int) (fraction * 100), done, total, unit, rate, unit);
      out.flush();
    } else {
      int quarter = (int) (fraction * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        out.printf("%s%3d%%  %,d/%,d %s  %,d %s/s%n", indent, quarter * 25, done, total, unit, rate, unit);
      }
    }
  }

  /** Draws the final state and ends the line. */
  void finish(long done) {
    update(done);
    if (terminal) {
      out.println();
    }
  }
}
