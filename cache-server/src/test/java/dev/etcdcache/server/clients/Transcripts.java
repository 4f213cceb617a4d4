package dev.etcdcache.server.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the client suites keep both transcripts of every comparison, passing or not, to read after a run. */
final class Transcripts {
  static final Path DIR = Path.of("target", "client-transcripts");

  private Transcripts() {}

  /** Writes {@code <name>.reference.txt} and {@code <name>.<subject>.txt} under {@link #DIR}. */
  static void save(String name, String onReference, String onServer) {
    try {
      Files.createDirectories(DIR);
      Files.writeString(DIR.resolve(name + ".reference.txt"), onReference, StandardCharsets.UTF_8);
      Files.writeString(DIR.resolve(name + "." + ServerUnderTest.kind() + ".txt"), onServer, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
