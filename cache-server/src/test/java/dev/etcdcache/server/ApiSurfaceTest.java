package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module's public types, found by scanning its compiled classes, so that a new public type is
 * a reviewed decision (STYLE.md 5.2). {@code CacheServer.start}/{@code clientUrl}/{@code port}/
 * {@code close} are used by the real-client tests: keep them.
 */
class ApiSurfaceTest {

  @Test
  void publicTypes_areExactlyCacheServerServerConfigAndMain() throws Exception {
    Path dir = Path.of(CacheServer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("dev/etcdcache/server");
    List<String> names;
    try (Stream<Path> files = Files.list(dir)) {
      names = files.map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
          .map(n -> n.substring(0, n.length() - ".class".length()))
          .toList();
    }
    assertThat(names).contains("WatchStream", "Forwarder", "Outbox");
    List<String> publicTypes = names.stream().filter(n -> Modifier.isPublic(load(n).getModifiers())).toList();
    assertThat(publicTypes).containsExactlyInAnyOrder("CacheServer", "ServerConfig", "Main");
  }

  @Test
  void cacheServer_publicMethods_stableForClientTests() throws Exception {
    assertThat(Modifier.isFinal(CacheServer.class.getModifiers())).isTrue();
    assertThat(CacheServer.class.getMethod("start", ServerConfig.class).getReturnType()).isEqualTo(CacheServer.class);
    assertThat(CacheServer.class.getMethod("start", String[].class).getReturnType()).isEqualTo(CacheServer.class);
    assertThat(CacheServer.class.getMethod("clientUrl").getReturnType()).isEqualTo(String.class);
    assertThat(CacheServer.class.getMethod("port").getReturnType()).isEqualTo(int.class);
    assertThat(CacheServer.class.getMethod("close")).isNotNull();
  }

  private static Class<?> load(String simpleName) {
    try {
      return Class.forName("dev.etcdcache.server." + simpleName);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }
}
