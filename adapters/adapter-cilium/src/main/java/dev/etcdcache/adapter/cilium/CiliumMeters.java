package dev.etcdcache.adapter.cilium;

import dev.etcdcache.api.AdapterMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Cilium adapter's business meters: security identities held, IP-cache entries held by address
 * family and prefix length, and changes by kind (a rate in the dashboard). Counts are exact: the view
 * reports every object entering and leaving it. Gauges appear the first time a family and length is
 * seen and read 0 once their entries are gone. Thread-safe.
 */
final class CiliumMeters {

  private final AdapterMetrics metrics;
  private final AtomicLong identities = new AtomicLong();
  private final Map<String, AtomicLong> ipEntries = new ConcurrentHashMap<>();

  CiliumMeters(AdapterMetrics metrics) {
    this.metrics = metrics;
    metrics.gauge("cilium.identities", "security identities the view holds", identities::get);
  }

  void change(CiliumObject previous, CiliumObject current) {
    CiliumObject o = current != null ? current : previous;
    String type = previous == null ? "created" : current == null ? "deleted" : "updated";
    metrics.counter("cilium.changes", "Cilium objects changed, by kind", "kind", CiliumAdapter.kindOf(o), "type", type)
        .increment();
    count(previous, -1);
    count(current, 1);
  }

  private void count(CiliumObject o, int delta) {
    if (o instanceof SecurityIdentity) {
      identities.addAndGet(delta);
    } else if (o instanceof IpIdentity ip) {
      String family = ip.prefix().ipv6() ? "ipv6" : "ipv4";
      int length = ip.prefix().length();
      ipEntries.computeIfAbsent(family + "/" + length, k -> {
        AtomicLong count = new AtomicLong();
        metrics.gauge("cilium.ipcache.entries", "IP-cache entries the view holds", count::get,
            "family", family, "prefix_length", Integer.toString(length));
        return count;
      }).addAndGet(delta);
    }
  }
}
