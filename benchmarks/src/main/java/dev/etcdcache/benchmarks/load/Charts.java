package dev.etcdcache.benchmarks.load;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * PNG bar charts (XChart) of one load-harness run, drawn from its CSVs in a results directory:
 * throughput per contender (scenarios 1 to 3), read or delivery latency p50/p99 per contender (1, 2,
 * 4 and 7), cold start (5, with IBM RangeCache's start from 8) and retained heap per key against the
 * raw bytes (6, with 8). Each chart is {@code <dir>/<date>-<chart>.png}; the run's
 * {@code <date>-report.md}, if present, gets an image link to each under its scenario's
 * {@code Data:} line (links from an earlier pass are replaced, so it can run again).
 *
 * <p>Columns are found by their CSV header names; a chart whose CSV or columns are missing is
 * skipped, and so is a CSV the report has no section for. A value axis is logarithmic when the values span more than two orders of magnitude.
 * Each contender keeps its colour in every chart; a lighter shade of it is its p50 (against its
 * p99) or its second method. Draws headless.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.etcdcache.benchmarks.load.Charts benchmarks/results 2026-11-30
 * </pre>
 *
 * <p>{@link LoadHarness} calls {@link #write} after it has written the CSVs and the report.
 */
public final class Charts {

  private static final int WIDTH = 1000;
  private static final int HEIGHT = 520;
  private static final Color RAW = new Color(0x8c8c8c);
  private static final Map<String, Color> CONTENDER_COLOURS = Map.of(
      Contender.DIRECT.label(), new Color(0x4c72b0),
      Contender.ETCD_CACHE.label(), new Color(0xdd8452),
      Contender.IBM_RANGE_CACHE.label(), new Color(0x55a868));
  private static final Color[] OTHER_COLOURS = {new Color(0x8172b3), new Color(0x937860), new Color(0xda8bc3)};

  private Charts() {}

  /** {@code Charts <results dir> <date>}: draws that run's charts and links them from its report. */
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: Charts <results dir> <date>   e.g. Charts benchmarks/results 2026-11-30");
      System.exit(2);
      return;
    }
    try {
      List<Path> written = write(Path.of(args[0]), args[1], System.out);
      if (written.isEmpty()) {
        System.err.println("charts: no " + args[1] + "-*.csv with charted columns in " + args[0]);
        System.exit(1);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("charts failed: " + e);
      System.exit(1);
    }
  }

  /**
   * Draws every chart whose CSV is in {@code dir} for {@code date}, and links them from
   * {@code <date>-report.md} if it exists. Returns the PNGs written.
   */
  public static List<Path> write(Path dir, String date, PrintStream out) throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    Path reportPath = dir.resolve(date + "-report.md");
    Map<String, String> headings =
        Files.exists(reportPath) ? headings(Files.readAllLines(reportPath), date) : Map.of();
    Map<String, Table> tables = new LinkedHashMap<>();
    for (String scenario : List.of("1-point-get", "2-prefix-list", "3-full-list", "4-watch-fan-out", "5-cold-start",
        "6-memory", "7-mixed", "8-ibm-start")) {
      Path csv = dir.resolve(date + "-" + scenario + ".csv");
      // With a report, only the scenarios it has a section for: an --only run leaves an earlier
      // run's CSVs of the same date in place.
      if (Files.exists(csv) && (headings.isEmpty() || headings.containsKey(scenario))) {
        tables.put(scenario, Table.read(csv));
      }
    }
    // A chart's title starts with its report section's heading ("1. Point Get, 100,000 keys").
    Function<String, String> title =
        s -> headings.getOrDefault(s, s.replaceFirst("^(\\d+)-", "$1. ").replace('-', ' '));
    List<Drawn> drawn = new ArrayList<>();
    for (String s : List.of("1-point-get", "2-prefix-list", "3-full-list")) {
      drawn.add(throughput(tables.get(s), s, title.apply(s),
          s.startsWith("3") ? "keys listed" : "consistency, callers"));
      if (!s.startsWith("3")) {
        drawn.add(latency(tables.get(s), s, title.apply(s) + ": latency", "consistency, callers", "p50 us", "p99 us",
            "latency per read"));
      }
    }
    drawn.add(latency(tables.get("4-watch-fan-out"), "4-watch-fan-out",
        title.apply("4-watch-fan-out") + ": delivery latency from write ack", "mode, watchers, offered events/s",
        "p50 ms from ack", "p99 ms from ack", "delivery latency"));
    drawn.add(coldStart(tables.get("5-cold-start"), tables.get("8-ibm-start"), title.apply("5-cold-start")));
    drawn.add(memory(tables.get("6-memory"), tables.get("8-ibm-start"), title.apply("6-memory")));
    drawn.add(latency(tables.get("7-mixed"), "7-mixed", title.apply("7-mixed") + ": read latency",
        "read consistency", "read p50 us", "read p99 us", "read latency"));

    List<Path> written = new ArrayList<>();
    Map<String, List<String>> links = new LinkedHashMap<>();
    for (Drawn d : drawn) {
      if (d == null || d.chart() == null) {
        continue;
      }
      Path png = dir.resolve(date + "-" + d.name() + ".png");
      BitmapEncoder.saveBitmap(d.chart(), png.toString(), BitmapFormat.PNG);
      written.add(png);
      links.computeIfAbsent(d.scenario(), k -> new ArrayList<>())
          .add("![" + d.chart().getTitle() + "](" + png.getFileName() + ")");
      out.printf("[charts] %s (%,d bytes)%n", png, Files.size(png));
    }
    if (Files.exists(reportPath)) {
      Files.write(reportPath, link(Files.readAllLines(reportPath), date, links, out));
      out.printf("[charts] linked %d chart(s) from %s%n", written.size(), reportPath);
    }
    return written;
  }

  private record Drawn(String scenario, String name, CategoryChart chart) {}

  // ---- the charts ----

  private static Drawn throughput(Table t, String scenario, String title, String xTitle) {
    if (t == null || !t.has("ops/s")) {
      return null;
    }
    Bars bars = new Bars(t.values("variant"));
    for (String contender : t.contenders()) {
      bars.series(contender, colour(contender, t), t.rows(contender), "ops/s");
    }
    return new Drawn(scenario, scenario + "-throughput",
        bars.chart(title + ": throughput", xTitle, "throughput", "ops/s"));
  }

  private static Drawn latency(Table t, String scenario, String title, String xTitle, String p50, String p99,
      String what) {
    if (t == null || !t.has(p50) || !t.has(p99)) {
      return null;
    }
    Bars bars = new Bars(t.values("variant"));
    for (String contender : t.contenders()) {
      Color c = colour(contender, t);
      bars.series(contender + " p50", lighter(c), t.rows(contender), p50);
      bars.series(contender + " p99", c, t.rows(contender), p99);
    }
    return new Drawn(scenario, scenario + "-latency", bars.chart(title, xTitle, what, unit(p99)));
  }

  private static Drawn coldStart(Table t, Table ibm, String title) {
    if (t == null || !t.has("ms") || !t.has("method")) {
      return null;
    }
    List<String> variants = new ArrayList<>(t.values("variant"));
    if (ibm != null && ibm.has("start to loaded ms")) {
      ibm.values("variant").stream().filter(v -> !variants.contains(v)).forEach(variants::add);
    }
    Bars bars = new Bars(variants);
    for (String contender : t.contenders()) {
      List<Map<String, String>> rows = t.rows(contender);
      // "50 pages of 1,000" and "100 pages of 1,000" are one method at two sizes.
      List<String> methods = rows.stream().map(r -> method(r.get("method"))).distinct().toList();
      for (int i = 0; i < methods.size(); i++) {
        String m = methods.get(i);
        Color c = colour(contender, t);
        bars.series(contender + ": " + m, i == 0 ? c : lighter(c),
            rows.stream().filter(r -> method(r.get("method")).equals(m)).toList(), "ms");
      }
    }
    if (ibm != null && ibm.has("start to loaded ms")) {
      for (String contender : ibm.contenders()) {
        bars.series(contender + ": start to loaded", colour(contender, ibm), ibm.rows(contender),
            "start to loaded ms");
      }
    }
    return new Drawn("5-cold-start", "5-cold-start",
        bars.chart(title + ": time to ready", "keys", "time to ready", "ms"));
  }

  private static Drawn memory(Table t, Table ibm, String title) {
    if (t == null || !t.has("bytes per key")) {
      return null;
    }
    List<String> variants = new ArrayList<>(t.values("variant"));
    if (ibm != null && ibm.has("bytes per key")) {
      ibm.values("variant").stream().filter(v -> !variants.contains(v)).forEach(variants::add);
    }
    Bars bars = new Bars(variants);
    String raw = "raw key+value bytes per key";
    if (t.has(raw)) {
      // One raw figure per variant: the first row that has it.
      List<Map<String, String>> firsts = new ArrayList<>();
      for (String v : variants) {
        t.rows.stream().filter(r -> v.equals(r.get("variant")) && !r.getOrDefault(raw, "").isEmpty()).findFirst()
            .ifPresent(firsts::add);
      }
      bars.series("raw key+value bytes", RAW, firsts, raw);
    }
    for (String contender : t.contenders()) {
      List<Map<String, String>> rows = t.rows(contender);
      String held = t.has("held") ? rows.get(0).getOrDefault("held", "") : "";
      bars.series(held.isEmpty() ? contender : contender + ": " + held, colour(contender, t), rows, "bytes per key");
    }
    if (ibm != null && ibm.has("bytes per key")) {
      for (String contender : ibm.contenders()) {
        bars.series(contender + ": loaded cache", colour(contender, ibm), ibm.rows(contender),
            "bytes per key");
      }
    }
    return new Drawn("6-memory", "6-memory", bars.chart(title + ": bytes per key vs raw key+value bytes", "keys",
        "retained heap per key", "bytes"));
  }

  // ---- drawing ----

  /** One bar chart: categories on x, one series per contender (or contender and percentile). */
  private static final class Bars {
    private final List<String> categories;
    private final Map<String, List<Double>> series = new LinkedHashMap<>();
    private final Map<String, Color> colours = new LinkedHashMap<>();

    Bars(List<String> categories) {
      this.categories = categories;
    }

    /** The series' value in each category: {@code column} of the row whose variant it is, or none. */
    void series(String name, Color colour, List<Map<String, String>> rows, String column) {
      List<Double> ys = new ArrayList<>();
      for (String category : categories) {
        ys.add(rows.stream().filter(r -> category.equals(r.get("variant"))).map(r -> number(r.get(column)))
            .filter(v -> !Double.isNaN(v)).findFirst().orElse(null));
      }
      if (ys.stream().anyMatch(Objects::nonNull)) {
        series.put(name, ys);
        colours.put(name, colour);
      }
    }

    /** The chart, or null when no series has a value. */
    CategoryChart chart(String title, String xTitle, String quantity, String unit) {
      if (series.isEmpty()) {
        return null;
      }
      double min = series.values().stream().flatMap(List::stream).filter(v -> v != null && v > 0)
          .mapToDouble(Double::doubleValue).min().orElse(1);
      double max = series.values().stream().flatMap(List::stream).filter(v -> v != null)
          .mapToDouble(Double::doubleValue).max().orElse(1);
      boolean log = max / min > 30;
      long bars = series.values().stream().flatMap(List::stream).filter(Objects::nonNull).count();
      boolean labels = bars <= 10;
      CategoryChart chart = new CategoryChart(WIDTH, HEIGHT);
      chart.setTitle(title);
      chart.setXAxisTitle(xTitle);
      chart.setYAxisTitle(quantity + ", " + unit + (log ? " (log scale)" : ""));
      CategoryStyler s = chart.getStyler();
      s.setChartBackgroundColor(Color.WHITE);
      s.setPlotBackgroundColor(Color.WHITE);
      s.setPlotBorderVisible(false);
      s.setPlotGridVerticalLinesVisible(false);
      s.setPlotGridLinesColor(new Color(0xdddddd));
      s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      s.setLegendPosition(LegendPosition.OutsideS);
      s.setLegendLayout(LegendLayout.Horizontal);
      s.setLegendBorderColor(Color.WHITE);
      s.setAvailableSpaceFill(0.85);
      // Category labels are one line: tilt them when they would run into each other.
      int longest = categories.stream().mapToInt(String::length).max().orElse(0);
      if (longest * 7.5 > 0.9 * (WIDTH - 120) / Math.max(1, categories.size())) {
        s.setXAxisLabelRotation(12);
      }
      s.setYAxisLogarithmic(log);
      s.setYAxisTickLabelsFormattingFunction(Charts::tick);
      if (log) {
        // The decade below the smallest bar (so it still shows), and headroom above the largest.
        s.setYAxisMin(Math.pow(10, Math.floor(Math.log10(min / 2))));
        s.setYAxisMax(max * 2);
      } else {
        s.setYAxisMin(0.0);
        s.setYAxisMax(max * 1.1);
      }
      if (labels) {
        s.setLabelsVisible(true);
        s.setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        s.setLabelsFontColorAutomaticEnabled(true);
        s.setLabelsFontColorAutomaticDark(Color.BLACK);
        s.setLabelsFontColorAutomaticLight(Color.WHITE);
        s.setLabelsPosition(1.0);
        s.setDecimalPattern("#,##0.##");
      }
      s.setSeriesColors(colours.values().toArray(Color[]::new));
      for (Map.Entry<String, List<Double>> e : series.entrySet()) {
        CategorySeries cs = chart.addSeries(e.getKey(), categories, e.getValue());
        cs.setFillColor(colours.get(e.getKey()));
      }
      return chart;
    }
  }

  private static String tick(double v) {
    if (v >= 1 || v <= 0) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
  }

  private static Color colour(String contender, Table t) {
    Color c = CONTENDER_COLOURS.get(contender);
    if (c != null) {
      return c;
    }
    List<String> others = t.contenders().stream().filter(x -> !CONTENDER_COLOURS.containsKey(x)).toList();
    return OTHER_COLOURS[Math.max(0, others.indexOf(contender)) % OTHER_COLOURS.length];
  }

  private static Color lighter(Color c) {
    return new Color((c.getRed() + 255) / 2, (c.getGreen() + 255) / 2, (c.getBlue() + 255) / 2);
  }

  private static String unit(String column) {
    if (column.matches(".*\\bus\\b.*")) {
      return "µs";
    }
    return column.matches(".*\\bms\\b.*") ? "ms" : column;
  }

  private static final Pattern PAGES = Pattern.compile("^[\\d,]+ (pages of .*)$");

  private static String method(String method) {
    Matcher m = PAGES.matcher(method == null ? "" : method);
    return m.matches() ? m.group(1) : Objects.toString(method, "");
  }

  private static final Pattern NUMBER = Pattern.compile("^-?\\d+(\\.\\d+)?");

  /** The leading number of a cell ("1,311", "1.57x", "0 (0.00%)"); NaN when it has none. */
  static double number(String cell) {
    if (cell == null) {
      return Double.NaN;
    }
    Matcher m = NUMBER.matcher(cell.strip().replace(",", ""));
    return m.find() ? Double.parseDouble(m.group()) : Double.NaN;
  }

  // ---- the report ----

  /** Scenario id to its section heading ("1. Point Get, 100,000 keys"), from its {@code Data:} line. */
  private static Map<String, String> headings(List<String> lines, String date) {
    Map<String, String> headings = new LinkedHashMap<>();
    Pattern data = Pattern.compile("^Data: `" + Pattern.quote(date + "-") + "(.+)\\.csv`$");
    String heading = null;
    for (String line : lines) {
      if (line.startsWith("## ")) {
        heading = line.substring(3).strip();
      }
      Matcher m = data.matcher(line);
      if (m.matches() && heading != null) {
        headings.put(m.group(1), heading);
      }
    }
    return headings;
  }

  /**
   * The report with this date's image links removed (and the stale "PNG charts: not produced" note),
   * then each scenario's links inserted after its {@code Data:} line.
   */
  private static List<String> link(List<String> lines, String date, Map<String, List<String>> links, PrintStream out) {
    Pattern image = Pattern.compile("^!\\[[^\\]]*\\]\\(" + Pattern.quote(date + "-") + "[^)]*\\.png\\)$");
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (image.matcher(line).matches()) {
        if (i + 1 < lines.size() && lines.get(i + 1).isBlank()) {
          i++;
        }
        continue;
      }
      if (line.startsWith("- PNG charts") && line.contains("not produced")) {
        continue;
      }
      kept.add(line);
    }
    List<String> result = new ArrayList<>();
    List<String> placed = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      String line = kept.get(i);
      result.add(line);
      for (Map.Entry<String, List<String>> e : links.entrySet()) {
        if (line.equals("Data: `" + date + "-" + e.getKey() + ".csv`")) {
          result.add("");
          for (String link : e.getValue()) {
            result.add(link);
            result.add("");
          }
          if (i + 1 < kept.size() && kept.get(i + 1).isBlank()) {
            i++;
          }
          placed.add(e.getKey());
        }
      }
    }
    links.keySet().stream().filter(k -> !placed.contains(k))
        .forEach(k -> out.printf("[charts] no section for %s in the report; its charts are not linked%n", k));
    return result;
  }

  // ---- CSV ----

  /** A CSV as its header and rows keyed by header name. */
  private record Table(List<String> header, List<Map<String, String>> rows) {

    static Table read(Path csv) throws IOException {
      List<String> lines = Files.readAllLines(csv).stream().filter(l -> !l.isBlank()).toList();
      if (lines.isEmpty()) {
        return new Table(List.of(), List.of());
      }
      List<String> header = fields(lines.get(0));
      List<Map<String, String>> rows = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        List<String> fields = fields(line);
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
          row.put(header.get(i), i < fields.size() ? fields.get(i) : "");
        }
        rows.add(row);
      }
      return new Table(header, rows);
    }

    /** One line's fields; a field in double quotes may hold commas and doubled quotes. */
    static List<String> fields(String line) {
      List<String> fields = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (quoted) {
          if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else if (c == '"') {
            quoted = false;
          } else {
            field.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == ',') {
          fields.add(field.toString());
          field.setLength(0);
        } else {
          field.append(c);
        }
      }
      fields.add(field.toString());
      return fields;
    }

    boolean has(String column) {
      return header.contains(column) && header.contains("variant") && header.contains("contender");
    }

    /** Distinct values of a column, in order of first appearance. */
    List<String> values(String column) {
      return rows.stream().map(r -> r.getOrDefault(column, "")).distinct().toList();
    }

    /** Contenders in {@link Contender} order, then any others in order of appearance. */
    List<String> contenders() {
      List<String> seen = values("contender");
      List<String> ordered = new ArrayList<>(Arrays.stream(Contender.values()).map(Contender::label)
          .filter(seen::contains).toList());
      seen.stream().filter(c -> !ordered.contains(c)).forEach(ordered::add);
      return ordered;
    }

    List<Map<String, String>> rows(String contender) {
      return rows.stream().filter(r -> contender.equals(r.get("contender"))).toList();
    }
  }
}
