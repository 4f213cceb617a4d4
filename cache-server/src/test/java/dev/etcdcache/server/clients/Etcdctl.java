package dev.etcdcache.server.clients;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * etcdctl (ETCDCTL_API=3) pointed at one endpoint, and the normalisation of its output that makes
 * two transcripts comparable. Only what differs between two clusters by construction is replaced:
 *
 * <ul>
 *   <li>the cluster ID and member ID <b>of the etcd that stands behind this endpoint</b> (read
 *       directly from that etcd, not through the endpoint) become {@code <cluster_id>} and
 *       {@code <member_id>}: a server that reports IDs of its own is not normalised and shows up
 *       in the diff;
 *   <li>lease IDs (decimal and hex) become {@code <lease-1>}, {@code <lease-2>}, ... in order of
 *       first appearance: etcd derives them from its member ID and the clock;
 *   <li>the endpoint's {@code host:port} becomes {@code <endpoint>};
 *   <li>on stderr, only etcdctl's {@code Error:} lines and watch cancellations are kept: the rest is
 *       clientv3's retry logging with timestamps and random target names.
 * </ul>
 *
 * <p>Not thread-safe: one per subject per test class.
 */
final class Etcdctl {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern DECIMAL_LEASE = Pattern.compile("\"(ID|id|lease)\":(\\d+)");
  /**
   * etcdctl prints lease IDs in keys (lock, elect: {@code name/<id>}) with %x, so without leading
   * zeros: an ID's top 16 bits are its member ID's low 16 bits, and a zero top byte (1 in 256
   * members) leaves 14 digits or fewer. Anywhere: 15 or 16 digits; right after a {@code /}: 12 or more.
   */
  private static final Pattern HEX_LEASE = Pattern.compile("(\\b|/)([0-9a-f]{15,16}|(?<=/)[0-9a-f]{12,14})\\b");

  private final Path binary;
  private final URI endpoint;
  private final String clusterId;
  private final String memberId;
  private final Map<String, String> leases = new LinkedHashMap<>();

  /**
   * @param endpoint what this etcdctl dials
   * @param etcd the etcd that stands behind {@code endpoint} (the same URI when it is etcd itself)
   */
  Etcdctl(URI endpoint, URI etcd) {
    this.binary = InstalledClients.etcdctl();
    this.endpoint = endpoint;
    ExternalCommand.Result members = runOn(binary, etcd, List.of("member", "list", "-w", "json"), "", RUN_TIMEOUT);
    if (members.exitCode() != 0) {
      throw new AssertionError("etcdctl member list on " + etcd + " failed\n" + members.describe());
    }
    this.clusterId = field(members.stdout(), "cluster_id");
    this.memberId = field(members.stdout(), "member_id");
  }

  URI endpoint() {
    return endpoint;
  }

  /** The cluster ID of the etcd behind this endpoint. */
  String clusterId() {
    return clusterId;
  }

  /** The member ID of the etcd behind this endpoint. */
  String memberId() {
    return memberId;
  }

  /** Runs {@code etcdctl --endpoints=<endpoint> args...} with {@code stdin}. */
  ExternalCommand.Result run(String stdin, String... args) {
    return runOn(binary, endpoint, List.of(args), stdin, RUN_TIMEOUT);
  }

  /** Starts a long-running etcdctl (watch, lock, elect) that the caller stops. */
  ExternalCommand start(String... args) {
    return ExternalCommand.start(command(binary, endpoint, List.of(args)), env(), null);
  }

  /** The normalised transcript of one run: the command, its exit code, stdout and kept stderr lines. */
  String transcript(ExternalCommand.Result result) {
    List<String> args = result.command().subList(2, result.command().size());
    return normalise("$ etcdctl " + String.join(" ", args)) + "\n"
        + "exit " + result.exitCode() + "\n"
        + normalise(result.stdout())
        + keptStderr(result.stderr());
  }

  /** Runs and returns the normalised transcript. */
  String transcript(String stdin, String... args) {
    return transcript(run(stdin, args));
  }

  /** Replaces this endpoint's cluster/member IDs, lease IDs and address (see the class comment). */
  String normalise(String text) {
    String out = text.replace(clusterId, "<cluster_id>").replace(memberId, "<member_id>")
        .replace(hex16(Long.parseUnsignedLong(memberId)), "<member_id>");
    out = replaceLeases(out, DECIMAL_LEASE, true);
    out = replaceLeases(out, HEX_LEASE, false);
    return out.replace(endpoint.getHost() + ":" + endpoint.getPort(), "<endpoint>");
  }

  private String replaceLeases(String text, Pattern pattern, boolean decimal) {
    Matcher m = pattern.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String raw = m.group(2);
      if (raw.startsWith("<") || (decimal && raw.equals("0"))) {
        m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
        continue;
      }
      String hex = decimal ? hex16(Long.parseUnsignedLong(raw)) : hex16(Long.parseUnsignedLong(raw, 16));
      String name = leases.computeIfAbsent(hex, h -> "<lease-" + (leases.size() + 1) + ">");
      String replaced = decimal ? "\"" + m.group(1) + "\":\"" + name + "\"" : m.group(1) + name;
      m.appendReplacement(out, Matcher.quoteReplacement(replaced));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * Exit code, stdout and the stderr lines {@code kept} selects of one etcdctl run with
   * {@code connection} flags (endpoints, TLS, user) before {@code args}: what the TLS and
   * certificate tests compare between the server and etcd.
   */
  static String outcome(List<String> connection, List<String> args, Predicate<String> kept) {
    List<String> command = new ArrayList<>();
    command.add(InstalledClients.etcdctl().toString());
    command.addAll(connection);
    command.addAll(args);
    ExternalCommand.Result r = ExternalCommand.run(command, Map.of("ETCDCTL_API", "3"), null, "", RUN_TIMEOUT);
    String errors = r.stderr().lines().filter(kept).collect(Collectors.joining("\n"));
    return "exit " + r.exitCode() + "\n" + r.stdout() + errors;
  }

  /** A lease ID as etcdctl prints and parses it: 16 hex digits. */
  static String hex16(long id) {
    return String.format("%016x", id);
  }

  private String keptStderr(String stderr) {
    String kept = stderr.lines()
        .filter(line -> line.startsWith("Error:") || line.startsWith("watch was canceled"))
        .map(this::normalise)
        .collect(Collectors.joining("\n"));
    return kept.isEmpty() ? "" : "stderr: " + kept + "\n";
  }

  private static ExternalCommand.Result runOn(Path binary, URI endpoint, List<String> args, String stdin, Duration timeout) {
    return ExternalCommand.run(command(binary, endpoint, args), env(), null, stdin, timeout);
  }

  private static List<String> command(Path binary, URI endpoint, List<String> args) {
    List<String> all = new ArrayList<>();
    all.add(binary.toString());
    all.add("--endpoints=" + endpoint.getHost() + ":" + endpoint.getPort());
    all.addAll(args);
    return all;
  }

  private static Map<String, String> env() {
    return Map.of("ETCDCTL_API", "3");
  }

  /** The first numeric value of {@code "name":<digits>} in {@code json}. */
  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"?(\\d+)").matcher(json);
    if (!m.find()) {
      throw new AssertionError("no " + name + " in " + json);
    }
    return m.group(1);
  }
}
