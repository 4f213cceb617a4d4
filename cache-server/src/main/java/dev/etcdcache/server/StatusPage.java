package dev.etcdcache.server;

import dev.etcdcache.api.CacheMemory;
import dev.etcdcache.api.CacheOnDemand;
import dev.etcdcache.api.CacheStats;
import dev.etcdcache.api.CacheStatus;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.ConsistencyReport;
import dev.etcdcache.core.ShadowReport;

/**
 * The JSON of {@code /status}: the cache's health ({@link CacheStatus}) and what it holds
 * ({@link CacheStats} gauges), one flat object, for an operator's {@code curl}. No request data,
 * no credentials: the last error is the mirror's own upstream error text.
 */
final class StatusPage {

  private StatusPage() {
  }

  /**
   * {@link #json(CacheStatus, CacheStats)} plus issue 20's tools: the bypass ({@code bypassReads},
   * {@code bypassWatches}), shadow mode ({@code shadowRate}, {@code shadowSampled},
   * {@code shadowCompared}, {@code shadowSkipped}, {@code shadowMismatches}) and the consistency
   * check ({@code consistencyChecks}, {@code consistencyDiverged}, {@code consistencyDifferences},
   * {@code consistencyLastOutcome}), and issue 21's memory figures ({@code memoryBudgetBytes},
   * {@code memoryMaxEntries}, {@code memoryRetainedBytes} and its store, version and history parts,
   * {@code memoryDegraded}, {@code memoryDegradedReason}, {@code memoryDegradations},
   * {@code memoryDegradedReads}) and on-demand prefixes ({@code onDemandMirroredPrefixes},
   * {@code onDemandBootstrapping}, {@code onDemandBootstraps}, {@code onDemandFailedBootstraps},
   * {@code onDemandDrops}, {@code onDemandHits}, {@code onDemandPasses}).
   */
  static String json(CachingClient cache) {
    CacheStatus status = cache.status();
    String base = json(status, cache.stats());
    ShadowReport shadow = cache.shadowReport();
    ConsistencyReport check = cache.consistency();
    StringBuilder out = new StringBuilder(base.substring(0, base.length() - 1)).append(',');
    field(out, "bypassReads", Boolean.toString(cache.isReadsBypassed()));
    field(out, "bypassWatches", Boolean.toString(cache.isWatchesBypassed()));
    field(out, "shadowRate", Double.toString(cache.shadowRate()));
    field(out, "shadowSampled", Long.toString(shadow.sampled()));
    field(out, "shadowCompared", Long.toString(shadow.compared()));
    field(out, "shadowSkipped", Long.toString(shadow.skipped()));
    field(out, "shadowMismatches", Long.toString(shadow.totalMismatches()));
    field(out, "consistencyChecks", Long.toString(check.checks()));
    field(out, "consistencyDiverged", Long.toString(check.divergedChecks()));
    field(out, "consistencyDifferences", Long.toString(check.differences()));
    field(out, "consistencyLastOutcome", quote(check.lastOutcome()));
    CacheMemory memory = status.memory();
    CacheOnDemand onDemand = status.onDemand();
    field(out, "memoryBudgetBytes", Long.toString(memory.budgetBytes()));
    field(out, "memoryMaxEntries", Long.toString(memory.maxEntries()));
    field(out, "memoryRetainedBytes", Long.toString(memory.retainedBytes()));
    field(out, "memoryStoreBytes", Long.toString(memory.storeBytes()));
    field(out, "memoryVersionBytes", Long.toString(memory.versionBytes()));
    field(out, "memoryHistoryBytes", Long.toString(memory.historyBytes()));
    field(out, "memoryDegraded", Boolean.toString(memory.degraded()));
    field(out, "memoryDegradedReason", quote(memory.degradedReason().orElse("")));
    field(out, "memoryDegradations", Long.toString(memory.degradations()));
    field(out, "memoryDegradedReads", Long.toString(memory.degradedReads()));
    field(out, "onDemandMirroredPrefixes", Integer.toString(onDemand.mirroredPrefixes()));
    field(out, "onDemandBootstrapping", Integer.toString(onDemand.bootstrapping()));
    field(out, "onDemandBootstraps", Long.toString(onDemand.bootstraps()));
    field(out, "onDemandFailedBootstraps", Long.toString(onDemand.failedBootstraps()));
    field(out, "onDemandDrops", Long.toString(onDemand.drops()));
    field(out, "onDemandHits", Long.toString(onDemand.hits()));
    field(out, "onDemandPasses", Long.toString(onDemand.passes()));
    out.setLength(out.length() - 1);
    return out.append('}').toString();
  }

  static String json(CacheStatus status, CacheStats stats) {
    StringBuilder out = new StringBuilder("{");
    field(out, "ready", Boolean.toString(status.ready()));
    field(out, "connected", Boolean.toString(status.connected()));
    field(out, "appliedRevision", Long.toString(status.appliedRevision()));
    field(out, "compactRevision", Long.toString(status.compactRevision()));
    field(out, "lastProgress", status.lastProgress() == null ? "null" : quote(status.lastProgress().toString()));
    field(out, "lastError", status.lastError().map(StatusPage::quote).orElse("null"));
    field(out, "relists", Long.toString(status.relists()));
    field(out, "reconnects", Long.toString(status.reconnects()));
    field(out, "decodeFailures", Long.toString(status.decodeFailures()));
    field(out, "entries", Long.toString(stats.entries()));
    field(out, "watchers", Long.toString(stats.watchers()));
    field(out, "applyLagRevisions", Long.toString(stats.applyLagRevisions()));
    field(out, "stalenessSeconds", Double.toString(stats.stalenessNanos() / 1e9));
    field(out, "servedFromMemory", Long.toString(stats.servedFromMemory()));
    field(out, "etcdLoadReduction", Double.isNaN(stats.etcdLoadReduction()) ? "null"
        : Double.toString(stats.etcdLoadReduction()));
    out.setLength(out.length() - 1);
    return out.append('}').toString();
  }

  private static void field(StringBuilder out, String name, String value) {
    out.append('"').append(name).append("\":").append(value).append(',');
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
