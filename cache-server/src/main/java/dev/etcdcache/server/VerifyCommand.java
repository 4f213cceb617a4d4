package dev.etcdcache.server;

import dev.etcdcache.core.CachingClient;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code cache-server verify}: compares a cache with etcd at one revision, every key with its value
 * and metadata, and exits non-zero on any difference, printing them. The cache is either a running
 * cache-server ({@code --cache-endpoints}) or, without it, a fresh mirror this command builds and
 * reads in-process. Usable in CI and runbooks:
 *
 * <pre>
 * java -jar cache-server-all.jar verify --endpoints=127.0.0.1:2379 [--cache-endpoints=127.0.0.1:23790]
 *     [--prefix=/registry/] [--max-print=100] [--page-keys=1000]
 * </pre>
 *
 * <p>How: the cache's first page is read serializably, so it is answered from the cache's memory
 * at its current revision R; every later page, on both sides, is read at R. A cache-server that no
 * longer holds R in memory (75 s of history by default) passes the read to etcd, so a verify that
 * runs longer than that compares etcd with itself for its later pages: verify promptly, or raise
 * the history. Exit status: 0 equal, 1 differences, 2 bad command line, 3 could not compare.
 */
final class VerifyCommand {

  private VerifyCommand() {}

  static final String USAGE = """
      usage: cache-server verify --endpoints=HOST:PORT[,...] [--cache-endpoints=HOST:PORT[,...]]
                                 [--prefix=P] [--max-print=N] [--page-keys=N]
        compares a running cache-server (--cache-endpoints) or, without it, a fresh in-process
        mirror with etcd at one revision; prints each difference; exit 0 equal, 1 different,
        2 bad command line, 3 could not compare
      """;

  static int run(String[] args, PrintStream out, PrintStream err) {
    String endpoints = null;
    String cacheEndpoints = null;
    String prefix = "";
    int maxPrint = 100;
    int pageKeys = 1000;
    try {
      for (String a : args) {
        if (a.equals("--help") || a.equals("-h")) {
          out.print(USAGE);
          return 0;
        }
        int eq = a.indexOf('=');
        if (!a.startsWith("--") || eq < 0) {
          throw new IllegalArgumentException("unexpected argument " + a);
        }
        String name = a.substring(2, eq);
        String value = a.substring(eq + 1);
        switch (name) {
          case "endpoints" -> endpoints = value;
          case "cache-endpoints" -> cacheEndpoints = value;
          case "prefix" -> prefix = value;
          case "max-print" -> maxPrint = Integer.parseInt(value);
          case "page-keys" -> pageKeys = Integer.parseInt(value);
          default -> throw new IllegalArgumentException("unknown flag --" + name);
        }
      }
      if (endpoints == null || endpoints.isEmpty()) {
        throw new IllegalArgumentException("--endpoints is required");
      }
      if (pageKeys < 1 || maxPrint < 0) {
        throw new IllegalArgumentException("--page-keys must be positive and --max-print not negative");
      }
    } catch (IllegalArgumentException e) {
      err.println("cache-server verify: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    try (Client etcd = client(endpoints)) {
      // An unreachable etcd is said within 30 s, not after the mirror's 5-minute wait.
      etcd.getKVClient().get(ByteSequence.from(new byte[] {0}),
          io.etcd.jetcd.options.GetOption.builder().withCountOnly(true).withLimit(1).build())
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      if (cacheEndpoints != null) {
        try (Client cache = client(cacheEndpoints)) {
          return compare(etcd, cache, prefix, maxPrint, pageKeys, out, "cache-server " + cacheEndpoints);
        }
      }
      CachingClient.Builder builder = CachingClient.builder(etcd);
      if (!prefix.isEmpty()) {
        builder.prefixes(ByteSequence.from(prefix, StandardCharsets.UTF_8));
      }
      try (CachingClient mirror = builder.build()) {
        if (!mirror.awaitReady(Duration.ofMinutes(5))) {
          err.println("cache-server verify: the mirror was not ready within 5 minutes");
          return 3;
        }
        return compare(etcd, mirror, prefix, maxPrint, pageKeys, out, "a fresh mirror");
      }
    } catch (java.util.concurrent.TimeoutException e) {
      err.println("cache-server verify: could not compare: etcd did not answer within 30 s");
      return 3;
    } catch (Exception e) {
      err.println("cache-server verify: could not compare: " + e.getMessage());
      return 3;
    }
  }

  private static Client client(String endpoints) {
    List<String> urls = new ArrayList<>();
    for (String e : endpoints.split(",")) {
      urls.add(e.contains("://") ? e : "http://" + e);
    }
    return Client.builder().endpoints(urls.toArray(String[]::new)).build();
  }

  private static int compare(Client etcd, Client cache, String prefix, int maxPrint, int pageKeys, PrintStream out,
      String what) {
    byte[] from = prefix.isEmpty() ? new byte[] {0} : prefix.getBytes(StandardCharsets.UTF_8);
    byte[] end = prefix.isEmpty() ? new byte[] {0} : prefixEnd(from);
    PagedRange cached = new PagedRange(cache.getKVClient(), from, end, 0, pageKeys, 60);
    long revision = cached.revision();
    PagedRange direct = new PagedRange(etcd.getKVClient(), from, end, revision, pageKeys, 60);
    long keys = 0;
    long differences = 0;
    KeyValue c = cached.hasNext() ? cached.next() : null;
    KeyValue d = direct.hasNext() ? direct.next() : null;
    while (c != null || d != null) {
      int order = c == null ? 1 : d == null ? -1
          : Arrays.compareUnsigned(c.getKey().getBytes(), d.getKey().getBytes());
      String diff = null;
      if (order < 0) {
        diff = "only in the cache: " + text(c.getKey()) + " " + describe(c);
        c = cached.hasNext() ? cached.next() : null;
      } else if (order > 0) {
        diff = "only in etcd: " + text(d.getKey()) + " " + describe(d);
        keys++;
        d = direct.hasNext() ? direct.next() : null;
      } else {
        keys++;
        if (!same(c, d)) {
          diff = "differs: " + text(d.getKey()) + " etcd " + describe(d) + " cache " + describe(c);
        }
        c = cached.hasNext() ? cached.next() : null;
        d = direct.hasNext() ? direct.next() : null;
      }
      if (diff != null) {
        differences++;
        if (differences <= maxPrint) {
          out.println("DIFF @" + revision + " " + diff);
        }
      }
    }
    out.printf("verify: %s against etcd at revision %d: %d keys in etcd, %d difference(s)%n", what, revision,
        keys, differences);
    return differences == 0 ? 0 : 1;
  }

  private static boolean same(KeyValue a, KeyValue b) {
    return a.getCreateRevision() == b.getCreateRevision() && a.getModRevision() == b.getModRevision()
        && a.getVersion() == b.getVersion() && a.getLease() == b.getLease() && a.getValue().equals(b.getValue());
  }

  private static String describe(KeyValue kv) {
    return "{create " + kv.getCreateRevision() + ", mod " + kv.getModRevision() + ", version " + kv.getVersion()
        + ", lease " + kv.getLease() + ", value " + kv.getValue().size() + " B #"
        + Integer.toHexString(Arrays.hashCode(kv.getValue().getBytes())) + "}";
  }

  private static String text(ByteSequence key) {
    return key.toString(StandardCharsets.UTF_8);
  }

  private static byte[] prefixEnd(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return new byte[] {0};
  }
}
