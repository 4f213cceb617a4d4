package dev.etcdcache.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public surface of one compiled module, read from its classes directory: the packages its
 * {@code module-info} exports and the public top-level types in them. A module's API-surface test
 * pins both, so that making a type public, or exporting a package, is a reviewed decision
 * (Caffeine's {@code ModuleTest} does the same).
 *
 * <pre>{@code
 * ApiSurface surface = ApiSurface.of(CachingClient.class);
 * assertThat(surface.exportedPackages()).containsExactly("dev.etcdcache.core", ...);
 * assertThat(surface.publicTypes()).containsExactlyInAnyOrder("dev.etcdcache.core.CachingClient", ...);
 * }</pre>
 *
 * <p>Works on a classes directory (what Maven's tests see); fails with {@link IllegalStateException}
 * on a module with no {@code module-info.class}.
 */
public final class ApiSurface {

  private final Path root;
  private final ModuleDescriptor descriptor;

  private ApiSurface(Path root, ModuleDescriptor descriptor) {
    this.root = root;
    this.descriptor = descriptor;
  }

  /** The surface of the module whose classes hold {@code member}. */
  public static ApiSurface of(Class<?> member) {
    Path root;
    try {
      root = Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Path info = root.resolve("module-info.class");
    if (!Files.isRegularFile(info)) {
      throw new IllegalStateException("no module-info.class in " + root);
    }
    try (InputStream in = Files.newInputStream(info)) {
      return new ApiSurface(root, ModuleDescriptor.read(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The module's name. */
  public String moduleName() {
    return descriptor.name();
  }

  /** The packages exported to every module (qualified exports are not counted), sorted. */
  public Set<String> exportedPackages() {
    return descriptor.exports().stream()
        .filter(e -> !e.isQualified())
        .map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The public top-level types of the exported packages, by binary name, sorted. */
  public Set<String> publicTypes() {
    Set<String> types = new TreeSet<>();
    for (String pkg : exportedPackages()) {
      Path dir = root.resolve(pkg.replace('.', '/'));
      try (Stream<Path> files = Files.list(dir)) {
        files.map(f -> f.getFileName().toString())
            .filter(n -> n.endsWith(".class") && !n.contains("$") && !n.equals("package-info.class"))
            .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length()))
            .filter(name -> Modifier.isPublic(load(name).getModifiers()))
            .forEach(types::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return types;
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, ApiSurface.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
