package dev.etcdcache.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects {@link ResultRow}s and writes them: one CSV per scenario,
 * {@code <dir>/<date>-<scenario>.csv}, and a markdown report {@code <dir>/<date>-report.md} with
 * the machine, one table per scenario, the targets against what was measured, and what was
 * not measured. Not thread-safe: the harness adds rows from its main thread.
 */
final class Report {

  private final List<ResultRow> rows = new ArrayList<>();
  private final Map<String, String> scenarioTitles = new LinkedHashMap<>();
  private final Map<String, String> scenarioNotes = new LinkedHashMap<>();
  private final List<String> targets = new ArrayList<>();

  void scenario(String id, String title, String note) {
    scenarioTitles.put(id, title);
    scenarioNotes.put(id, note);
  }

  void add(ResultRow row) {
    rows.add(row);
  }

  List<ResultRow> rows() {
    return List.copyOf(rows);
  }

  /** A line for the targets table: the target, what was measured, and whether it is met. */
  void target(String target, String measured, boolean met) {
    targets.add("| " + target + " | " + measured + " | " + (met ? "met" : "**not met**") + " |");
  }

  /** Writes the CSVs and the report; returns the report's path. */
  Path write(Path dir, String date, String mode, MachineInfo machine, double wallSeconds, List<String> notMeasured)
      throws IOException {
    Files.createDirectories(dir);
    for (String scenario : scenarioTitles.keySet()) {
      List<ResultRow> mine = rows.stream().filter(r -> r.scenario().equals(scenario)).toList();
      if (mine.isEmpty()) {
        continue;
      }
      Set<String> columns = columns(mine);
      StringBuilder csv = new StringBuilder("scenario,variant,contender");
      columns.forEach(c -> csv.append(',').append(c));
      csv.append('\n');
      for (ResultRow r : mine) {
        csv.append(r.scenario()).append(',').append(csvField(r.variant())).append(',').append(r.contender().label());
        columns.forEach(c -> csv.append(',').append(csvField(r.columns().getOrDefault(c, ""))));
        csv.append('\n');
      }
      Files.writeString(dir.resolve(date + "-" + scenario + ".csv"), csv);
    }
    Path report = dir.resolve(date + "-report.md");
    Files.writeString(report, markdown(date, mode, machine, wallSeconds, notMeasured));
    return report;
  }

  private String markdown(String date, String mode, MachineInfo machine, double wallSeconds, List<String> notMeasured) {
    StringBuilder md = new StringBuilder();
    md.append("# etcd-cache load harness: ").append(date).append(" (").append(mode).append(")\n\n");
    md.append("Produced by `bash scripts/bench.sh").append(mode.equals("quick") ? " --quick" : "")
        .append("` in ").append(String.format("%.0f", wallSeconds)).append(" s. Every contender ran in the same run ")
        .append("against the same local etcd and data; ratios are to direct jetcd from this run. ")
        .append("Figures come from one noisy machine and are reported, never asserted.\n\n");
    md.append("## Machine\n\n| | |\n|---|---|\n")
        .append("| CPU | ").append(machine.cpu()).append(" |\n")
        .append("| cores available to the JVM | ").append(machine.cores()).append(" |\n")
        .append("| JVM | ").append(machine.jvm()).append(", max heap ").append(machine.maxHeapMiB()).append(" MiB |\n")
        .append("| OS | ").append(machine.os()).append(" |\n")
        .append("| etcd | ").append(machine.etcd()).append(" (one local member, same machine) |\n")
        .append("| client | jetcd 0.8.6 |\n\n");
    if (!targets.isEmpty()) {
      md.append("## Targets from issue 7\n\n| target | measured | |\n|---|---|---|\n");
      targets.forEach(t -> md.append(t).append('\n'));
      md.append('\n');
    }
    for (Map.Entry<String, String> scenario : scenarioTitles.entrySet()) {
      List<ResultRow> mine = rows.stream().filter(r -> r.scenario().equals(scenario.getKey())).toList();
      if (mine.isEmpty()) {
        continue;
      }
      md.append("## ").append(scenario.getValue()).append("\n\n");
      String note = scenarioNotes.get(scenario.getKey());
      if (note != null && !note.isEmpty()) {
        md.append(note).append("\n\n");
      }
      Set<String> columns = columns(mine);
      md.append("| variant | contender |");
      columns.forEach(c -> md.append(' ').append(c).append(" |"));
      md.append("\n|---|---|");
      columns.forEach(c -> md.append("---:|"));
      md.append('\n');
      for (ResultRow r : mine) {
        md.append("| ").append(r.variant()).append(" | ").append(r.contender().label()).append(" |");
        columns.forEach(c -> md.append(' ').append(r.columns().getOrDefault(c, "")).append(" |"));
        md.append('\n');
      }
      md.append("\nData: `").append(date).append('-').append(scenario.getKey()).append(".csv`\n\n");
    }
    md.append("## Not measured yet\n\n");
    notMeasured.forEach(n -> md.append("- ").append(n).append('\n'));
    return md.toString();
  }

  private static Set<String> columns(List<ResultRow> rows) {
    Set<String> columns = new LinkedHashSet<>();
    rows.forEach(r -> columns.addAll(r.columns().keySet()));
    return columns;
  }

  private static String csvField(String value) {
    return value.contains(",") || value.contains("\"") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }
}
