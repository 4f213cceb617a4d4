package dev.etcdcache.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection through a {@link FaultProxy}, with its upstream socket and one pump
 * thread per direction. The upstream connection is opened by the client-to-upstream thread only
 * after the gate lets it through, so a stalled proxy opens nothing upstream.
 */
final class ProxyConnection {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyConnection.class);
  private static final int BUFFER_SIZE = 64 * 1024;

  private final FaultProxy proxy;
  private final Socket client;
  private final InetSocketAddress target;
  private final int connectTimeoutMillis;
  private final Socket upstream = new Socket();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Directions still open; the connection closes when both have seen end of stream. */
  private final AtomicInteger openDirections = new AtomicInteger(2);

  ProxyConnection(FaultProxy proxy, Socket client, InetSocketAddress target, int connectTimeoutMillis) {
    this.proxy = proxy;
    this.client = client;
    this.target = target;
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  void start() {
    Thread up = new Thread(this::runUpstream, "fault-proxy-up-" + client.getPort());
    up.setDaemon(true);
    up.start();
  }

  boolean isClosed() {
    return closed.get();
  }

  /** Closes both sockets; with {@code reset}, as a TCP RST so the peer sees the cut at once. */
  void close(boolean reset) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    proxy.remove(this);
    closeQuietly(client, reset);
    closeQuietly(upstream, reset);
  }

  private void runUpstream() {
    try {
      if (!proxy.awaitForwarding(this)) {
        return;
      }
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(target, connectTimeoutMillis);
    } catch (IOException e) {
      LOG.debug("fault proxy could not connect to {}: {}", target, e.toString());
      close(true);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close(true);
      return;
    }
    if (isClosed()) {
      // cutAll ran while we were connecting; do not leave the new upstream socket open.
      closeQuietly(upstream, true);
      return;
    }
    Thread down = new Thread(() -> pump(upstream, client), "fault-proxy-down-" + client.getPort());
    down.setDaemon(true);
    down.start();
    pump(client, upstream);
  }

  /** Copies {@code from} to {@code to} until end of stream or failure, through the gate and latency. */
  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[BUFFER_SIZE];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        long arrived = System.nanoTime();
        if (!proxy.awaitForwarding(this)) {
          return;
        }
        delayUntil(arrived + proxy.latency().toNanos());
        out.write(buffer, 0, n);
        out.flush();
      }
      // Half-close: pass the end of stream on, and close fully once both directions ended.
      try {
        to.shutdownOutput();
      } catch (IOException e) {
        // The other side is already gone; close below covers it.
      }
      if (openDirections.decrementAndGet() == 0) {
        close(false);
      }
    } catch (IOException e) {
      close(true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close(true);
    }
  }

  private static void delayUntil(long deadlineNanos) throws InterruptedException {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining > 0) {
      Thread.sleep(Duration.ofNanos(remaining).toMillis(), (int) (remaining % 1_000_000));
    }
  }

  private static void closeQuietly(Socket socket, boolean reset) {
    try {
      if (reset && !socket.isClosed()) {
        socket.setSoLinger(true, 0);
      }
    } catch (IOException e) {
      // Not connected yet or already closed: a plain close is all there is.
    }
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing more to release.
    }
  }
}
