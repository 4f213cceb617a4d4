package dev.etcdcache.testing;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loopback TCP proxy that injects network faults between a client and one etcd member: point
 * a jetcd client at {@link #endpoint()} instead of the member. It forwards bytes unchanged, so
 * gRPC over HTTP/2 works through it.
 *
 * <ul>
 *   <li>{@link #pass()}: forward in both directions (the initial mode).
 *   <li>{@link #stall()}: a blackhole. Connections stay open and new ones are accepted, but no
 *       byte moves in either direction and no upstream connection is opened. Bytes already read
 *       are held and delivered after {@code pass()}, as TCP would after a partition heals.
 *   <li>{@link #cutAll()}: abruptly close (RST) every current connection; the mode is unchanged,
 *       so new connections work again unless stalled.
 *   <li>{@link #latency(Duration)}: delay every forwarded chunk by at least that much.
 *   <li>{@link #retarget(InetSocketAddress)}: send new connections elsewhere.
 * </ul>
 *
 * <p>Thread-safe; every method may be called from any thread. Design: one acceptor thread, and
 * per connection two daemon threads, one per direction, each blocking in {@code read} and then
 * passing through a gate that holds it while the proxy is stalled. Simple blocking I/O is enough
 * for tests (a jetcd client opens one connection per endpoint), and each connection's threads end
 * when either side closes it.
 */
public final class FaultProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();
  /** Guards {@link #stalled}; waited on by connections held at the gate. */
  private final Object gate = new Object();

  @GuardedBy("gate")
  private boolean stalled;

  private volatile Duration latency = Duration.ZERO;
  private volatile InetSocketAddress target;
  private volatile boolean closed;

  private FaultProxy(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
    this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + server.getLocalPort());
    this.acceptor.setDaemon(true);
  }

  /**
   * Starts a proxy on a free 127.0.0.1 port forwarding to {@code target}, in pass mode.
   *
   * @throws UncheckedIOException if no port can be bound
   */
  public static FaultProxy start(InetSocketAddress target) {
    Objects.requireNonNull(target, "target");
    try {
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      FaultProxy proxy = new FaultProxy(server, target);
      proxy.acceptor.start();
      LOG.debug("fault proxy {} -> {} started", proxy.endpoint(), target);
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException("could not bind a loopback port for the fault proxy", e);
    }
  }

  /** The URI clients use, {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** The address the proxy listens on. */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  /** Where new connections are forwarded. */
  public InetSocketAddress target() {
    return target;
  }

  /** Forward normally again; bytes held during a stall flow on. Latency is left as set. */
  public void pass() {
    synchronized (gate) {
      stalled = false;
      gate.notifyAll();
    }
    LOG.info("fault proxy {}: pass", endpoint());
  }

  /** Stop forwarding in both directions while keeping connections open (a blackhole). */
  public void stall() {
    synchronized (gate) {
      stalled = true;
    }
    LOG.info("fault proxy {}: stall", endpoint());
  }

  /** Whether the proxy is stalled. */
  public boolean isStalled() {
    synchronized (gate) {
      return stalled;
    }
  }

  /**
   * Close every current connection with a TCP reset. New connections are accepted as before (a
   * client may reconnect at once).
   *
   * @return how many connections were cut
   */
  public int cutAll() {
    int count = 0;
    for (ProxyConnection connection : connections) {
      connection.close(true);
      count++;
    }
    synchronized (gate) {
      gate.notifyAll(); // release connections held at the gate so their threads end
    }
    LOG.info("fault proxy {}: cut {} connections", endpoint(), count);
    return count;
  }

  /** Delay each forwarded chunk by {@code delay} (zero for none), in both directions, from now on. */
  public void latency(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative: " + delay);
    }
    latency = delay;
    LOG.info("fault proxy {}: latency {}", endpoint(), delay);
  }

  /** Forward new connections to {@code newTarget}; current ones stay where they are (cut them if needed). */
  public void retarget(InetSocketAddress newTarget) {
    target = Objects.requireNonNull(newTarget, "newTarget");
    LOG.info("fault proxy {}: retarget to {}", endpoint(), newTarget);
  }

  /** Number of client connections currently open through the proxy. */
  public int connectionCount() {
    return connections.size();
  }

  /** Stops accepting, closes every connection and releases the port. Idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing fault proxy socket failed", e);
    }
    cutAll();
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "FaultProxy[" + endpoint() + " -> " + target + (isStalled() ? ", stalled" : "") + "]";
  }

  // ---- used by ProxyConnection ----

  /**
   * Blocks while the proxy is stalled and the connection is open. Returns true if bytes may be
   * forwarded, false if the connection closed meanwhile.
   */
  boolean awaitForwarding(ProxyConnection connection) throws InterruptedException {
    synchronized (gate) {
      while (stalled && !connection.isClosed() && !closed) {
        gate.wait(200);
      }
    }
    return !connection.isClosed() && !closed;
  }

  Duration latency() {
    return latency;
  }

  void remove(ProxyConnection connection) {
    connections.remove(connection);
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed || server.isClosed()) {
          return;
        }
        // Transient (for example out of file descriptors): keep serving rather than die silently.
        LOG.warn("fault proxy {} accept failed, retrying", endpoint(), e);
        try {
          Thread.sleep(50);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
        continue;
      }
      ProxyConnection connection = new ProxyConnection(this, client, target, CONNECT_TIMEOUT_MILLIS);
      connections.add(connection);
      if (closed) {
        connection.close(true);
        return;
      }
      connection.start();
    }
  }
}
