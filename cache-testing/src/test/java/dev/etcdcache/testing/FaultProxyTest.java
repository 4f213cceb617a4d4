package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The proxy over plain TCP, against an in-test echo server: byte-level behaviour of each mode. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultProxyTest {
  private EchoServer echo;
  private FaultProxy proxy;

  @BeforeEach
  void setUp() throws IOException {
    echo = new EchoServer("");
    proxy = FaultProxy.start(echo.address());
  }

  @AfterEach
  void tearDown() throws IOException {
    proxy.close();
    echo.close();
  }

  @Test
  void pass_forwardsBytesBothWays() throws IOException {
    try (Socket socket = connect(proxy)) {
      assertThat(roundTrip(socket, "hello")).isEqualTo("hello");
    }
    assertThat(proxy.endpoint().toString()).startsWith("http://127.0.0.1:");
  }

  @Test
  void stall_holdsBytes_andPassDeliversThem() throws IOException {
    try (Socket socket = connect(proxy)) {
      assertThat(roundTrip(socket, "one")).isEqualTo("one");

      proxy.stall();
      send(socket, "two");
      socket.setSoTimeout(1_000);
      assertThat(readOrTimeout(socket, 3)).isNull();

      proxy.pass();
      socket.setSoTimeout(30_000);
      assertThat(read(socket, 3)).isEqualTo("two");
    }
  }

  @Test
  void stall_acceptsNewConnectionsWithoutForwarding() throws IOException {
    proxy.stall();
    try (Socket socket = connect(proxy)) {
      send(socket, "held");
      socket.setSoTimeout(1_000);
      assertThat(readOrTimeout(socket, 4)).isNull();
      assertThat(echo.accepted()).isZero();

      proxy.pass();
      socket.setSoTimeout(30_000);
      assertThat(read(socket, 4)).isEqualTo("held");
    }
  }

  @Test
  void cutAll_closesCurrentConnections_andNewOnesWork() throws IOException {
    try (Socket socket = connect(proxy)) {
      assertThat(roundTrip(socket, "x")).isEqualTo("x");

      proxy.cutAll();

      socket.setSoTimeout(10_000);
      assertThat(readEndOrReset(socket)).isTrue();
    }
    try (Socket again = connect(proxy)) {
      assertThat(roundTrip(again, "y")).isEqualTo("y");
    }
  }

  @Test
  void retarget_sendsNewConnectionsToTheNewTarget() throws IOException {
    try (EchoServer other = new EchoServer("other:")) {
      proxy.retarget(other.address());

      try (Socket socket = connect(proxy)) {
        assertThat(roundTrip(socket, "z", 7)).isEqualTo("other:z");
      }
    }
  }

  @Test
  void close_releasesThePort_andEndsConnections() throws IOException {
    Socket socket = connect(proxy);
    roundTrip(socket, "a");

    proxy.close();

    socket.setSoTimeout(10_000);
    assertThat(readEndOrReset(socket)).isTrue();
    socket.close();
    assertThat(proxy.connectionCount()).isZero();
  }

  private static Socket connect(FaultProxy proxy) throws IOException {
    Socket socket = new Socket();
    socket.connect(proxy.address(), 10_000);
    socket.setSoTimeout(30_000);
    return socket;
  }

  private static String roundTrip(Socket socket, String text) throws IOException {
    return roundTrip(socket, text, text.length());
  }

  private static String roundTrip(Socket socket, String text, int expectedLength) throws IOException {
    send(socket, text);
    return read(socket, expectedLength);
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String read(Socket socket, int length) throws IOException {
    byte[] bytes = socket.getInputStream().readNBytes(length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String readOrTimeout(Socket socket, int length) throws IOException {
    try {
      int first = socket.getInputStream().read();
      return first < 0 ? "<eof>" : (char) first + read(socket, length - 1);
    } catch (SocketTimeoutException e) {
      return null;
    }
  }

  private static boolean readEndOrReset(Socket socket) {
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // connection reset
    }
  }

  /** Echoes every chunk back with a prefix on the first one; counts accepted connections. */
  private static final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

    EchoServer(String prefix) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket socket = server.accept();
            accepted.incrementAndGet();
            Thread handler = new Thread(() -> echo(socket, prefix));
            handler.setDaemon(true);
            handler.start();
          } catch (IOException e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
    }

    InetSocketAddress address() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    int accepted() {
      return accepted.get();
    }

    private static void echo(Socket socket, String prefix) {
      try (socket) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buffer = new byte[1024];
        boolean first = true;
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (first) {
            out.write(prefix.getBytes(StandardCharsets.UTF_8));
            first = false;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the proxy cut the connection; nothing to do
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
