package dev.etcdcache.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a report was measured on: CPU, cores, memory, JVM, OS and etcd version.
 *
 * @param cpu the CPU model from {@code /proc/cpuinfo}, or "unknown"
 * @param cores processors available to the JVM
 * @param maxHeapMiB the JVM's maximum heap
 * @param jvm JVM name and version
 * @param os OS name, version and architecture
 * @param etcd etcd's version as it reports itself
 */
record MachineInfo(String cpu, int cores, long maxHeapMiB, String jvm, String os, String etcd) {

  static MachineInfo current(String etcdVersion) {
    return new MachineInfo(cpuModel(), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        etcdVersion);
  }

  private static String cpuModel() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
      return lines.stream().filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
