package dev.etcdcache.testing;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JUnit 5 extension that gives a test class a real etcd cluster (see {@link EtcdCluster}).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EtcdExtension etcd = EtcdExtension.builder().members(3).withProxy().build();
 *
 * @Test
 * void put_thenGet_returnsValue() throws Exception {
 *   etcd.client().getKVClient().put(key, value).get();
 * }
 * }</pre>
 *
 * <p>Registered on a {@code static} field, the cluster starts before the first test of the class
 * and stops after the last; on an instance field, it starts before and stops after each test.
 * Members log to {@code target/etcd-logs/<TestClass>-<index>.log}. Everything the extension
 * created (cluster, proxy, and every client it handed out) is closed when it stops, also when
 * tests failed; a JVM shutdown hook kills the processes if the JVM exits first. {@code @Nested}
 * classes share the enclosing class's cluster.
 *
 * <p>Thread-safe: accessors may be called from concurrent test threads. Accessors throw
 * {@link IllegalStateException} while the cluster is not running.
 */
public final class EtcdExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdExtension.class);

  private final Builder config;
  private final Object lock = new Object();

  @GuardedBy("lock")
  private EtcdCluster cluster;

  @GuardedBy("lock")
  private FaultProxy proxy;

  @GuardedBy("lock")
  private Client sharedClient;

  /** Clients handed out by newClient()/proxiedClient(), closed on stop in case the test did not. */
  @GuardedBy("lock")
  private final List<Client> clients = new ArrayList<>();

  /** The JUnit context that started the cluster; only its end stops it. */
  @GuardedBy("lock")
  private String ownerContextId;

  private EtcdExtension(Builder config) {
    this.config = config;
  }

  /** A builder with defaults: 1 member, no proxy, no extra etcd flags, the local etcd binary. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    startIfNeeded(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    startIfNeeded(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    stopIfOwner(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stopIfOwner(context);
  }

  /** The running cluster. */
  public EtcdCluster cluster() {
    synchronized (lock) {
      if (cluster == null) {
        throw new IllegalStateException("etcd is not running: register EtcdExtension with @RegisterExtension");
      }
      return cluster;
    }
  }

  /** Client URLs of all members, in member order. */
  public List<URI> endpoints() {
    return cluster().clientEndpoints();
  }

  /**
   * One jetcd client over all members, shared by the tests of this extension's lifetime. The
   * extension owns and closes it: do not close it yourself.
   */
  public Client client() {
    synchronized (lock) {
      EtcdCluster running = cluster();
      if (sharedClient == null) {
        sharedClient = running.newClient();
      }
      return sharedClient;
    }
  }

  /** A new jetcd client over all members. Close it when done; any still open are closed when etcd stops. */
  public Client newClient() {
    synchronized (lock) {
      return track(cluster().newClient());
    }
  }

  /**
   * The fault proxy in front of member 0.
   *
   * @throws IllegalStateException unless built {@link Builder#withProxy()}
   */
  public FaultProxy proxy() {
    synchronized (lock) {
      cluster();
      if (proxy == null) {
        throw new IllegalStateException("no proxy: build the extension withProxy()");
      }
      return proxy;
    }
  }

  /** A new jetcd client that reaches member 0 only through {@link #proxy()}. Close it when done. */
  public Client proxiedClient() {
    synchronized (lock) {
      return track(cluster().newClient(proxy().endpoint()));
    }
  }

  /** SIGKILLs member {@code index}; see {@link EtcdMember#kill()}. */
  public void kill(int index) {
    cluster().member(index).kill();
  }

  /** Restarts member {@code index} and waits until it serves; see {@link EtcdMember#restart()}. */
  public void restart(int index) {
    cluster().member(index).restart();
  }

  /** Index of the current leader; see {@link EtcdCluster#leader()}. */
  public int leader() {
    return cluster().leader();
  }

  /** Physically compacts at {@code revision} and waits; see {@link EtcdCluster#compact(long)}. */
  public void compact(long revision) {
    cluster().compact(revision);
  }

  /** Member {@code index}'s metrics now; see {@link EtcdMetrics}. */
  public EtcdMetrics metrics(int index) {
    return cluster().member(index).metrics();
  }

  // ---- lifecycle ----

  private void startIfNeeded(ExtensionContext context) {
    synchronized (lock) {
      if (cluster != null) {
        return; // already started by an enclosing class or by beforeAll
      }
      String name = context.getRequiredTestClass().getSimpleName();
      EtcdCluster.Builder builder = EtcdCluster.builder().members(config.members).name(name);
      if (!config.etcdArgs.isEmpty()) {
        builder.etcdArgs(config.etcdArgs.toArray(String[]::new));
      }
      if (config.image != null) {
        builder.image(config.image);
      }
      if (config.networkNamespaces) {
        builder.networkNamespaces();
      }
      EtcdCluster started = builder.build().start();
      try {
        if (config.withProxy) {
          proxy = FaultProxy.start(started.member(0).clientAddress());
        }
      } catch (RuntimeException e) {
        started.close();
        throw e;
      }
      cluster = started;
      ownerContextId = context.getUniqueId();
      LOG.debug("etcd for {} started at {}", context.getUniqueId(), started.clientEndpoints());
    }
  }

  private void stopIfOwner(ExtensionContext context) {
    synchronized (lock) {
      if (cluster == null || !context.getUniqueId().equals(ownerContextId)) {
        return;
      }
      try {
        for (Client client : clients) {
          closeQuietly(client);
        }
        if (sharedClient != null) {
          closeQuietly(sharedClient);
        }
        if (proxy != null) {
          proxy.close();
        }
      } finally {
        // Whatever failed above, the processes must go.
        cluster.close();
        clients.clear();
        sharedClient = null;
        proxy = null;
        cluster = null;
        ownerContextId = null;
      }
    }
  }

  @GuardedBy("lock")
  private Client track(Client client) {
    clients.add(client);
    return client;
  }

  private static void closeQuietly(Client client) {
    try {
      client.close();
    } catch (RuntimeException e) {
      LOG.debug("closing a jetcd client failed", e);
    }
  }

  /**
   * Configures an {@link EtcdExtension}. Each setter validates at once and may be called once.
   * Not thread-safe; {@link #build()} copies the configuration.
   */
  public static final class Builder {
    private int members = 1;
    private boolean membersSet;
    private boolean withProxy;
    private List<String> etcdArgs = List.of();
    private String image;
    private boolean networkNamespaces;

    private Builder() {}

    /** Number of members, 1 to 7 (default 1). */
    public Builder members(int members) {
      if (membersSet) {
        throw new IllegalStateException("members was already set");
      }
      if (members < 1 || members > 7) {
        throw new IllegalArgumentException("members must be 1..7, was " + members);
      }
      this.members = members;
      membersSet = true;
      return this;
    }

    /** Put a {@link FaultProxy} in front of member 0 (default: no proxy). */
    public Builder withProxy() {
      if (withProxy) {
        throw new IllegalStateException("withProxy was already set");
      }
      withProxy = true;
      return this;
    }

    /** Extra etcd flags for every member, e.g. {@code --experimental-watch-progress-notify-interval=1s}. */
    public Builder etcdArgs(String... args) {
      if (!etcdArgs.isEmpty()) {
        throw new IllegalStateException("etcdArgs was already set");
      }
      for (String arg : args) {
        Objects.requireNonNull(arg, "etcdArgs element");
      }
      etcdArgs = List.copyOf(Arrays.asList(args));
      return this;
    }

    /** A Docker image to use when Docker is available and members is 1; see {@link EtcdCluster.Builder#image}. */
    public Builder image(String image) {
      if (this.image != null) {
        throw new IllegalStateException("image was already set");
      }
      this.image = Objects.requireNonNull(image, "image");
      return this;
    }

    /**
     * Each member in a network namespace of its own, so that tests can cut one off from its peers
     * ({@link EtcdMember#isolateFromPeers()}); see {@link EtcdCluster.Builder#networkNamespaces()}.
     * The namespaces go with the cluster in {@code afterAll}.
     */
    public Builder networkNamespaces() {
      if (networkNamespaces) {
        throw new IllegalStateException("networkNamespaces was already set");
      }
      networkNamespaces = true;
      return this;
    }

    /** The extension; register it with {@code @RegisterExtension}. */
    public EtcdExtension build() {
      Builder copy = new Builder();
      copy.members = members;
      copy.withProxy = withProxy;
      copy.etcdArgs = etcdArgs;
      copy.image = image;
      copy.networkNamespaces = networkNamespaces;
      return new EtcdExtension(copy);
    }
  }
}
