package dev.etcdcache.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed snapshot of etcd's Prometheus text ({@code /metrics}), for assertions such as "the
 * cache sent no Range to etcd": {@code metrics.value("grpc_server_handled_total",
 * Map.of("grpc_method", "Range"))}.
 *
 * <p>Immutable and thread-safe. Parsing follows the Prometheus text format 0.0.4: comment lines
 * are ignored, label values may contain escaped quotes, backslashes and newlines, and the special
 * values {@code +Inf}, {@code -Inf} and {@code NaN} are understood.
 */
public final class EtcdMetrics {
  private final List<Sample> samples;

  private EtcdMetrics(List<Sample> samples) {
    this.samples = List.copyOf(samples);
  }

  /**
   * Parses Prometheus text.
   *
   * @throws IllegalArgumentException naming the line if a sample line is malformed
   */
  public static EtcdMetrics parse(String text) {
    Objects.requireNonNull(text, "text");
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      try {
        samples.add(parseSample(trimmed));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("malformed metrics line: " + line, e);
      }
    }
    return new EtcdMetrics(samples);
  }

  /** The sum of all samples named {@code name}, whatever their labels; 0 if there are none. */
  public double value(String name) {
    return value(name, Map.of());
  }

  /**
   * The sum of all samples named {@code name} whose labels include every given label with the
   * given value (other labels may be present); 0 if none match.
   */
  public double value(String name, Map<String, String> labels) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(labels, "labels");
    double sum = 0;
    for (Sample sample : samples) {
      if (sample.name.equals(name) && sample.labels.entrySet().containsAll(labels.entrySet())) {
        sum += sample.value;
      }
    }
    return sum;
  }

  /** Whether at least one sample is named {@code name}. */
  public boolean contains(String name) {
    return samples.stream().anyMatch(s -> s.name.equals(name));
  }

  @Override
  public String toString() {
    return "EtcdMetrics[" + samples.size() + " samples]";
  }

  private static Sample parseSample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && !Character.isWhitespace(line.charAt(i))) {
      i++;
    }
    String name = line.substring(0, i);
    if (name.isEmpty()) {
      throw new IllegalArgumentException("no metric name");
    }
    Map<String, String> labels = new HashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = parseLabels(line, i + 1, labels);
    }
    String[] rest = line.substring(i).strip().split("\\s+");
    return new Sample(name, Map.copyOf(labels), parseValue(rest[0]));
  }

  /** Parses {@code a="x",b="y"}} from {@code start}; returns the index after the closing brace. */
  private static int parseLabels(String line, int start, Map<String, String> labels) {
    int i = start;
    while (true) {
      while (line.charAt(i) == ' ' || line.charAt(i) == ',') {
        i++;
      }
      if (line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq).strip();
      i = eq + 1;
      if (line.charAt(i) != '"') {
        throw new IllegalArgumentException("label value not quoted at " + i);
      }
      i++;
      StringBuilder value = new StringBuilder();
      while (line.charAt(i) != '"') {
        char c = line.charAt(i);
        if (c == '\\') {
          char next = line.charAt(++i);
          value.append(next == 'n' ? '\n' : next);
        } else {
          value.append(c);
        }
        i++;
      }
      labels.put(key, value.toString());
      i++;
    }
  }

  private static double parseValue(String text) {
    switch (text) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        return Double.parseDouble(text);
    }
  }

  private record Sample(String name, Map<String, String> labels, double value) {}
}
