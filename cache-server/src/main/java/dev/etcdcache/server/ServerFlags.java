package dev.etcdcache.server;

import dev.etcdcache.api.ReadConsistency;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The command line of {@code etcd grpc-proxy start}, as far as this server supports it, plus its
 * own cache flags. Accepts {@code --flag=value} and {@code --flag value}; an unknown flag, a flag
 * that is recognised but not supported yet (CRLs, auto-TLS, {@code --namespace}) or a bad value fails with an
 * {@link IllegalArgumentException} naming it, so nothing is ever silently ignored.
 */
final class ServerFlags {

  /** A flag: its name, whether it takes a value, whether it is supported yet, and its help line. */
  private record Flag(String name, boolean takesValue, boolean supported, String help) {}

  private static final List<Flag> FLAGS = List.of(
      new Flag("endpoints", true, true, "comma-separated etcd client endpoints (default 127.0.0.1:2379)"),
      new Flag("listen-addr", true, true, "host:port to listen for gRPC client requests (default 127.0.0.1:23790)"),
      new Flag("advertise-client-url", true, true,
          "MemberList answers with one member at this URL, as grpc-proxy does (default: pass MemberList to etcd)"),
      new Flag("metrics-addr", true, true,
          "http://host:port serving /metrics (Prometheus) and /health (default none)"),
      new Flag("max-send-bytes", true, true,
          "etcd's --max-request-bytes: fragment watches get responses above this + 512 KiB split,"
              + " as etcd does (default 1572864)"),
      new Flag("max-recv-bytes", true, true,
          "largest accepted request message; larger fail with RESOURCE_EXHAUSTED (default 2097152, etcd's limit)"),
      new Flag("prefix", true, true, "mirror only keys under this prefix; repeatable (default the whole keyspace)"),
      new Flag("history-events", true, true,
          "recent revisions kept for watches and reads at a revision (default 10000)"),
      new Flag("memory-budget", true, true,
          "the cache's memory budget in bytes (suffix K, M or G for KiB, MiB, GiB): past it the cache drops older"
              + " versions and history, then serves from etcd until the mirrored ranges fit again (default none)"),
      new Flag("max-entries", true, true,
          "the most keys the cache mirrors; past it the cache serves from etcd until they fit again (default none)"),
      new Flag("on-demand-prefix", true, true,
          "mirror this prefix only once it is read, dropping the least recently read prefix under the memory limits;"
              + " repeatable; not with --prefix (default none)"),
      new Flag("on-demand-children", true, true,
          "mirror each child of this parent (parent + name + '/') once it is read, e.g. /registry/; not with"
              + " --prefix or --on-demand-prefix (default none)"),
      new Flag("on-demand-wait", true, true,
          "how long a prefix's first readers wait for its bootstrap before etcd answers them, e.g. 500ms or 0s"
              + " (default 1s)"),
      new Flag("default-consistency", true, true,
          "how Range requests not marked serializable are served: linearizable (default), serializable,"
              + " or a staleness bound such as 500ms or 2s"),
      new Flag("watch-buffer-bytes", true, true,
          "bytes one watch stream may hold for a client that does not read before it is closed (default 67108864)"),
      new Flag("user", true, true,
          "etcd user[:password] the server's own mirror logs in as, as etcdctl's --user; it needs read on the"
              + " mirrored ranges only (default anonymous)"),
      new Flag("password", true, true, "password of --user, as etcdctl's --password"),
      new Flag("shadow-reads", true, true,
          "shadow mode: Ranges are answered by etcd and this share (0..1) is compared with the cache's answer"
              + " in the background; POST /shadow?rate= on --metrics-addr changes it (default 0, off)"),
      new Flag("help", false, true, "print this help and exit"),
      new Flag("cacert", true, true,
          "verify etcd's TLS certificates with this CA bundle (TLS toward etcd; endpoints without a scheme"
              + " become https, as grpc-proxy)"),
      new Flag("cert", true, true, "client certificate presented to etcd (TLS toward etcd)"),
      new Flag("key", true, true, "private key of --cert"),
      new Flag("insecure-skip-tls-verify", false, true,
          "accept any certificate from etcd (TLS toward etcd; for tests only)"),
      new Flag("cert-file", true, true, "PEM certificate served to clients: TLS toward clients (default plaintext)"),
      new Flag("key-file", true, true, "PEM private key of --cert-file"),
      new Flag("trusted-ca-file", true, true,
          "PEM CA client certificates must be signed by; when set every client must present one, as etcd 3.4"),
      new Flag("client-cert-issuer-cert", true, true,
          "PEM CA (or intermediate + chain) etcd's --trusted-ca-file trusts: a caller without a token reaches"
              + " etcd as its client certificate's CN, over a connection presenting a 1 h certificate for that CN"
              + " issued by this CA (needs --trusted-ca-file and TLS toward etcd; default: such callers are"
              + " refused while etcd's auth is on)"),
      new Flag("client-cert-issuer-key", true, true, "PEM private key of --client-cert-issuer-cert"),
      new Flag("client-crl-file", true, false, "certificate revocation list (not supported yet: fails at start)"),
      new Flag("auto-tls", false, false, "self-signed TLS (not supported yet: fails at start)"),
      new Flag("namespace", true, false, "key namespace (not supported yet: fails at start)"));

  private ServerFlags() {}

  /** Whether {@code args} ask for help. */
  static boolean wantsHelp(String... args) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h") || a.equals("-help") || a.startsWith("--help=")) {
        return true;
      }
    }
    return false;
  }

  /** The help text: every flag with its meaning and default. */
  static String usage() {
    StringBuilder b = new StringBuilder()
        .append("Usage: cache-server [flags]\n\n")
        .append("Serves etcd's v3 gRPC API from a watch-cache mirror; a drop-in for 'etcd grpc-proxy start'.\n\n")
        .append("Flags:\n");
    FLAGS.forEach(f -> b.append(String.format(Locale.ROOT, "  --%-26s %s%n", f.name(), f.help())));
    return b.toString();
  }

  static ServerConfig parse(String... args) {
    ServerConfig c = ServerConfig.defaults();
    List<String> prefixes = new ArrayList<>();
    List<String> onDemandPrefixes = new ArrayList<>();
    String onDemandChildren = "";
    Duration onDemandWait = null;
    Integer historyEvents = null;
    long memoryBudget = 0;
    long maxEntries = 0;
    ReadConsistency consistency = null;
    int maxSend = c.maxSendBytes();
    int maxRecv = c.maxRecvBytes();
    String certFile = null;
    String keyFile = null;
    String trustedCa = null;
    String user = null;
    String password = null;
    String etcdCa = null;
    String etcdCert = null;
    String etcdKey = null;
    boolean skipVerify = false;
    String issuerCert = null;
    String issuerKey = null;
    boolean explicitHttp = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (flags only; see --help)");
      }
      String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
      int eq = body.indexOf('=');
      String name = eq < 0 ? body : body.substring(0, eq);
      Flag flag = FLAGS.stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
      if (flag == null) {
        throw new IllegalArgumentException("unknown flag: --" + name + " (see --help)");
      }
      if (!flag.supported()) {
        throw new IllegalArgumentException("flag --" + name + " is not supported yet by cache-server: "
            + (name.equals("namespace") ? "key namespaces are not implemented"
                : "CRLs and auto-TLS are not implemented (TLS is: --cert-file, --key-file, --trusted-ca-file"
                    + " toward clients; --cacert, --cert, --key toward etcd)"));
      }
      String value;
      if (eq >= 0) {
        value = body.substring(eq + 1);
      } else if (flag.takesValue()) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("flag --" + name + " needs a value");
        }
        value = args[++i];
      } else {
        value = "true";
      }
      switch (name) {
        case "endpoints" -> {
          c = c.withEndpoints(endpoints(value));
          explicitHttp = value.contains("http://");
        }
        case "cacert" -> etcdCa = value;
        case "cert" -> etcdCert = value;
        case "key" -> etcdKey = value;
        case "insecure-skip-tls-verify" -> skipVerify = Boolean.parseBoolean(value);
        case "listen-addr" -> {
          HostPort hp = HostPort.parse("listen-addr", value);
          c = c.withListen(hp.host(), hp.port());
        }
        case "advertise-client-url" -> c = c.withAdvertiseClientUrl(value.isEmpty() ? null : value);
        case "metrics-addr" -> c = c.withMetricsUrl(value.isEmpty() ? null : metricsUrl(value));
        case "max-send-bytes" -> maxSend = positiveInt(name, value);
        case "max-recv-bytes" -> maxRecv = positiveInt(name, value);
        case "prefix" -> prefixes.add(value);
        case "on-demand-prefix" -> onDemandPrefixes.add(value);
        case "on-demand-children" -> {
          if (value.isEmpty() || !onDemandChildren.isEmpty()) {
            throw new IllegalArgumentException("--on-demand-children takes one non-empty parent: " + value);
          }
          onDemandChildren = value;
        }
        case "on-demand-wait" -> onDemandWait = waitDuration(value);
        case "history-events" -> historyEvents = positiveInt(name, value);
        case "memory-budget" -> memoryBudget = positiveBytes(name, value);
        case "max-entries" -> maxEntries = positiveBytes(name, value.matches("\\d+") ? value : "-");
        case "default-consistency" -> consistency = consistency(value);
        case "watch-buffer-bytes" -> c = c.withWatchBufferBytes(positiveInt(name, value));
        case "cert-file" -> certFile = value;
        case "key-file" -> keyFile = value;
        case "trusted-ca-file" -> trustedCa = value;
        case "client-cert-issuer-cert" -> issuerCert = value;
        case "client-cert-issuer-key" -> issuerKey = value;
        case "user" -> {
          int colon = value.indexOf(':');
          user = colon < 0 ? value : value.substring(0, colon);
          if (colon >= 0) {
            password = value.substring(colon + 1);
          }
        }
        case "password" -> password = value;
        case "shadow-reads" -> c = c.withShadowReads(rate(name, value));
        case "help" -> { }
        default -> throw new IllegalStateException("flag without a handler: " + name);
      }
    }
    if (certFile != null || keyFile != null || trustedCa != null) {
      if (certFile == null || keyFile == null) {
        throw new IllegalArgumentException("--cert-file and --key-file go together (TLS toward clients)");
      }
      c = c.withServerTls(java.nio.file.Path.of(certFile), java.nio.file.Path.of(keyFile),
          trustedCa == null ? null : java.nio.file.Path.of(trustedCa));
    }
    if (etcdCa != null || etcdCert != null || etcdKey != null || skipVerify) {
      // grpc-proxy (clientv3) uses TLS for endpoints without a scheme once TLS flags are given.
      if (explicitHttp) {
        throw new IllegalArgumentException("--cacert, --cert, --key, --insecure-skip-tls-verify: the endpoints"
            + " say http://; write them as host:port or https://host:port for TLS toward etcd");
      }
      if ((etcdCert == null) != (etcdKey == null)) {
        throw new IllegalArgumentException("--cert and --key go together (client certificate toward etcd)");
      }
      c = c.withEtcdTls(path(etcdCa), path(etcdCert), path(etcdKey), skipVerify);
    }
    if (user != null) {
      if (user.isEmpty()) {
        throw new IllegalArgumentException("--user needs a user name");
      }
      c = c.withCredentials(user, password == null ? "" : password);
    } else if (password != null) {
      throw new IllegalArgumentException("--password needs --user");
    }
    if (issuerCert != null || issuerKey != null) {
      if (issuerCert == null || issuerKey == null) {
        throw new IllegalArgumentException("--client-cert-issuer-cert and --client-cert-issuer-key go together");
      }
      c = c.withClientCertIssuer(path(issuerCert), path(issuerKey));
    }
    c = c.withMemoryLimits(memoryBudget, maxEntries);
    return c.withMessageLimits(maxSend, maxRecv)
        .withPrefixes(prefixes)
        .withOnDemand(onDemandPrefixes, onDemandChildren, onDemandWait)
        .withCache(historyEvents != null ? historyEvents : 0,
            consistency != null ? consistency : ReadConsistency.LINEARIZABLE);
  }

  /** A positive count of bytes, with an optional K, M or G suffix (binary: KiB, MiB, GiB). */
  private static long positiveBytes(String name, String value) {
    String v = value.trim();
    int shift = 0;
    if (!v.isEmpty()) {
      switch (v.charAt(v.length() - 1)) {
        case 'K' -> shift = 10;
        case 'M' -> shift = 20;
        case 'G' -> shift = 30;
        default -> shift = 0;
      }
    }
    String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
    long n;
    try {
      n = Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " needs a positive number: " + value);
    }
    if (n < 1 || n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("--" + name + " needs a positive number: " + value);
    }
    return n << shift;
  }

  private static List<URI> endpoints(String value) {
    List<URI> out = new ArrayList<>();
    for (String e : value.split(",")) {
      String s = e.trim();
      if (s.isEmpty()) {
        continue;
      }
      if (!s.contains("://")) {
        s = "http://" + s;
      }
      URI u = URI.create(s);
      if (u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException("--endpoints: not host:port: " + e);
      }
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        throw new IllegalArgumentException("--endpoints: http or https only: " + e);
      }
      out.add(URI.create(u.getScheme() + "://" + u.getHost() + ":" + u.getPort()));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--endpoints is empty");
    }
    return out;
  }

  private static java.nio.file.Path path(String value) {
    return value == null ? null : java.nio.file.Path.of(value);
  }

  private static URI metricsUrl(String value) {
    if (value.startsWith("https://")) {
      throw new IllegalArgumentException("--metrics-addr " + value + ": TLS is not supported yet by cache-server");
    }
    URI u = URI.create(value.contains("://") ? value : "http://" + value);
    if (u.getHost() == null || u.getPort() < 0) {
      throw new IllegalArgumentException("--metrics-addr must be http://host:port: " + value);
    }
    return u;
  }

  private static ReadConsistency consistency(String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "linearizable": return ReadConsistency.LINEARIZABLE;
      case "serializable": return ReadConsistency.SERIALIZABLE;
      default:
        try {
          return ReadConsistency.maxStaleness(duration(value));
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("--default-consistency must be linearizable, serializable or a"
              + " staleness bound like 500ms: " + value, e);
        }
    }
  }

  /** A duration for {@code --on-demand-wait}; a negative one is refused by {@link ServerConfig}. */
  private static Duration waitDuration(String value) {
    try {
      return duration(value);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--on-demand-wait must be a duration like 500ms or 2s: " + value, e);
    }
  }

  private static Duration duration(String value) {
    if (value.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
    }
    if (value.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
    }
    return Duration.parse(value);
  }

  /** A sample rate in [0, 1]. */
  static double rate(String name, String value) {
    double r;
    try {
      r = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a number in [0, 1]: " + value, e);
    }
    if (!(r >= 0 && r <= 1)) {
      throw new IllegalArgumentException("--" + name + " must be in [0, 1]: " + value);
    }
    return r;
  }

  private static int positiveInt(String name, String value) {
    try {
      int v = Integer.parseInt(value.trim());
      if (v < 1) {
        throw new IllegalArgumentException("--" + name + " must be positive: " + value);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a number: " + value, e);
    }
  }

  /** A host and port from {@code host:port} (or {@code http://host:port}). */
  private record HostPort(String host, int port) {
    static HostPort parse(String flag, String value) {
      URI u = URI.create(value.contains("://") ? value : "http://" + value);
      if (value.startsWith("https://")) {
        throw new IllegalArgumentException("--" + flag + " " + value + ": TLS is not supported yet by cache-server");
      }
      if (u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException("--" + flag + " must be host:port: " + value);
      }
      return new HostPort(u.getHost(), u.getPort());
    }
  }
}
