package dev.etcdcache.benchmarks.load;

import static dev.etcdcache.benchmarks.load.ReadScenarios.fmt;
import static dev.etcdcache.benchmarks.load.ReadScenarios.micros;

import dev.etcdcache.demo.load.KeySet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * IBM etcd-java's {@code RangeCache} (com.ibm.etcd:etcd-java 0.0.24) as a third contender in
 * scenarios 1 to 3. It cannot share this JVM with jetcd 0.8.6 (gRPC 1.59 / netty 4.1 against
 * 1.76 / 4.2), so this class launches the {@code benchmarks-ibm} runner as a subprocess
 * ({@code java -cp benchmarks-ibm.jar dev.etcdcache.benchmarks.ibm.RangeCacheRunner}) against the
 * same etcd and read set, and turns the lines it prints into rows beside jetcd and etcd-cache,
 * with ratios to the direct and etcd-cache rows of the same variant from this run:
 * <pre>
 * IBM-START keys=100000 loadedMillis=812 heapBytes=61234567
 * IBM-RESULT scenario=1-point-get variant=serializable,_16_callers callers=16 ops=123456.7 p50=3100 p99=9000 p999=...
 * </pre>
 * RangeCache answers every read from its local map (not linearizable: it can lag etcd and offers
 * no read-your-writes), so its rows stand beside the serializable variants; it has no sub-range
 * read, so the runner lists a prefix through the sorted map's {@code keySet()} view (see the
 * runner). Not thread-safe.
 */
final class RangeCacheContender {

  private static final long TIMEOUT_MINUTES = 5;

  private final Bench bench;
  private final KeySet keys;

  RangeCacheContender(Bench bench, KeySet keys) {
    this.bench = bench;
    this.keys = keys;
  }

  /**
   * Runs the runner; adds its rows. Returns, per variant it ran where etcd-cache also ran, etcd-cache
   * throughput divided by RangeCache's. Empty (and a note in the report) when the runner jar is missing.
   */
  Map<String, Double> run() throws IOException, InterruptedException {
    Path jar = bench.options().ibmJar();
    if (!Files.isRegularFile(jar)) {
      build(jar);
    }
    if (!Files.isRegularFile(jar)) {
      bench.say("    RangeCache runner %s not found and could not be built; skipped", jar);
      return Map.of();
    }
    URI endpoint = bench.etcd().clientEndpoints().get(0);
    HarnessOptions o = bench.options();
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xms1g", "-Xmx3g", "-cp", jar.toString(),
        "dev.etcdcache.benchmarks.ibm.RangeCacheRunner",
        "--endpoint", endpoint.getHost() + ":" + endpoint.getPort(),
        "--prefix", keys.root(), "--keys", Integer.toString(keys.count()), "--ten-k-prefix", keys.first10k().toString(),
        "--callers", o.callers().stream().map(String::valueOf).collect(Collectors.joining(",")),
        "--warmup-ms", Long.toString(o.warmup().toMillis()), "--window-ms", Long.toString(o.window().toMillis())));
    bench.say("    launching %s", String.join(" ", command));
    bench.report().scenario("8-ibm-start", "8. IBM RangeCache: start to loaded, and its heap", "");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, Double> cacheOverIbm = new LinkedHashMap<>();
    List<String> tail = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("IBM-START ")) {
          start(fields(line));
        } else if (line.startsWith("IBM-RESULT ")) {
          result(fields(line), cacheOverIbm);
        } else {
          tail.add(line);
          if (tail.size() > 20) {
            tail.remove(0);
          }
        }
      }
    } finally {
      if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (process.exitValue() != 0) {
      bench.say("    RangeCache runner exited with %d; last output:%n      %s", process.exitValue(),
          String.join("\n      ", tail));
    }
    return cacheOverIbm;
  }

  /**
   * Builds the runner with Maven when its jar is missing ({@code scripts/bench.sh} builds only
   * {@code benchmarks} and what it needs): {@code mvn -B -q -ntp -f <module>/pom.xml package -DskipTests}.
   */
  private void build(Path jar) throws IOException, InterruptedException {
    Path pom = jar.toAbsolutePath().getParent().getParent().resolve("pom.xml");
    if (!Files.isRegularFile(pom)) {
      return;
    }
    bench.say("    building the RangeCache runner: mvn -B -q -ntp -f %s package -DskipTests", pom);
    Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-ntp", "-f", pom.toString(), "package", "-DskipTests")
        .inheritIO().start();
    if (!mvn.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      mvn.destroyForcibly();
      mvn.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void start(Map<String, String> f) {
    long millis = Long.parseLong(f.get("loadedMillis"));
    long heap = Long.parseLong(f.get("heapBytes"));
    int count = Integer.parseInt(f.get("keys"));
    bench.report().scenario("8-ibm-start", "8. IBM RangeCache: start to loaded, and its heap",
        "RangeCache.start() until its future completes: one unpaginated Range of the whole prefix (the runner's "
            + "client raises the inbound message limit to 256 MiB; the default 4 MiB is far below this data set's "
            + "one response), "
            + "then its watch. Heap: used heap after GC in the runner JVM with the loaded cache, minus before. Compare "
            + "with scenarios 5 and 6 of etcd-cache at the same key count.");
    Map<String, String> c = new LinkedHashMap<>();
    c.put("keys", fmt("%,d", count));
    c.put("start to loaded ms", Long.toString(millis));
    c.put("retained MiB", fmt("%.1f", heap / 1048576.0));
    c.put("bytes per key", fmt("%.0f", (double) heap / Math.max(1, count)));
    c.put("vs raw", fmt("%.2fx", (double) heap / Math.max(1, keys.rawBytes())));
    bench.report().add(new ResultRow("8-ibm-start", fmt("%,d keys", count), Contender.IBM_RANGE_CACHE, c));
    bench.say("    RangeCache loaded %,d keys in %,d ms, %,.0f B per key", count, millis, (double) heap / count);
  }

  private void result(Map<String, String> f, Map<String, Double> cacheOverIbm) {
    String scenario = f.get("scenario");
    String variant = f.get("variant").replace('_', ' ');
    double ops = Double.parseDouble(f.get("ops"));
    Map<String, String> c = new LinkedHashMap<>();
    c.put("callers", f.get("callers"));
    c.put("ops/s", fmt("%,.0f", ops));
    c.put("p50 us", micros(Long.parseLong(f.get("p50"))));
    c.put("p99 us", micros(Long.parseLong(f.get("p99"))));
    c.put("p99.9 us", micros(Long.parseLong(f.get("p999"))));
    c.put("errors", f.get("errors"));
    c.put("etcd Range RPCs", "");
    Double direct = opsOf(scenario, variant, Contender.DIRECT);
    Double cache = opsOf(scenario, variant, Contender.ETCD_CACHE);
    c.put("throughput vs direct", direct == null ? "n/a" : fmt("%.1fx", ops / direct));
    c.put("etcd-cache vs this", cache == null ? "n/a" : fmt("%.2fx", cache / ops));
    bench.report().add(new ResultRow(scenario, variant, Contender.IBM_RANGE_CACHE, c));
    if (cache != null) {
      cacheOverIbm.put(scenario + " " + variant, cache / ops);
    }
    bench.say("    %-14s %-26s RangeCache %,10.0f ops/s p99 %8.2f ms | etcd-cache %s | jetcd %s", scenario, variant, ops,
        Long.parseLong(f.get("p99")) / 1e6, cache == null ? "n/a" : fmt("%,.0f", cache),
        direct == null ? "n/a" : fmt("%,.0f", direct));
  }

  private Double opsOf(String scenario, String variant, Contender contender) {
    for (ResultRow r : bench.report().rows()) {
      if (r.scenario().equals(scenario) && r.variant().equals(variant) && r.contender() == contender) {
        return Double.parseDouble(r.columns().get("ops/s").replace(",", ""));
      }
    }
    return null;
  }

  private static Map<String, String> fields(String line) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String part : line.split(" ")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        f.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return f;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
