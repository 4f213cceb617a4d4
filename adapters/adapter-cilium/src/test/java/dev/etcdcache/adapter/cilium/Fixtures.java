package dev.etcdcache.adapter.cilium;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The real Cilium kvstore records of the shared fixtures ({@code cilium/*.jsonl}). */
final class Fixtures {

  static final Path CILIUM = Path.of(System.getProperty("fixtures.dir", "../../../shared/fixtures")).resolve("cilium");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One fixture line: the snapshot it belongs to, the etcd key and the exact stored value. */
  record Record(String file, String snapshot, String key, byte[] value) {
    String valueString() {
      return new String(value, StandardCharsets.UTF_8);
    }
  }

  private Fixtures() {}

  static List<Record> read(String file) {
    try {
      List<Record> out = new ArrayList<>();
      for (String line : Files.readAllLines(CILIUM.resolve(file))) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = MAPPER.readTree(line);
        out.add(new Record(file, n.get("snapshot").asText(), n.get("key").asText(),
            n.get("value").asText().getBytes(StandardCharsets.UTF_8)));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every record of every file whose values are the stored bytes (not the endpoint-slice JSON view). */
  static List<Record> allStored() {
    List<Record> out = new ArrayList<>();
    for (String f : List.of("identities.jsonl", "ip-identities.jsonl", "nodes.jsonl", "nodes-legacy-docs.jsonl",
        "services.jsonl", "cluster-config.jsonl")) {
      out.addAll(read(f));
    }
    return out;
  }

  /** The test's steps from {@code snapshot-steps.json}: each step's key → value; "<empty>" is empty. */
  static List<Map<String, byte[]>> steps(String file) {
    try {
      JsonNode spec = MAPPER.readTree(CILIUM.resolve("snapshot-steps.json").toFile()).get(file);
      List<Record> records = read(file);
      List<Map<String, byte[]>> out = new ArrayList<>();
      for (JsonNode step : spec.get("steps")) {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        // nodes.jsonl names steps as "a + b": the union of those snapshots' keys.
        for (String name : step.asText().split(" \\+ ")) {
          if (name.equals("<empty>")) {
            continue;
          }
          boolean found = false;
          for (Record r : records) {
            if (r.snapshot().equals(name.trim())) {
              contents.put(r.key(), r.value());
              found = true;
            }
          }
          if (!found) {
            throw new IllegalStateException("no snapshot " + name + " in " + file);
          }
        }
        out.add(contents);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
