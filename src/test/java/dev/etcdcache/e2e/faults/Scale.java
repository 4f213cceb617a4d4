package dev.etcdcache.e2e.faults;

import java.time.Duration;

/**
 * How big a fault run is. The CI subset (the default) keeps the whole matrix to a few minutes on
 * two cores; the full matrix ({@code -Dfaults.full=true}) runs each fault for a minute with a 30 s
 * outage and at least 10,000 checked operations.
 *
 * @param name for the figures
 * @param duration how long writers and readers run
 * @param outage how long etcd is down, or the cache's connection stalled
 * @param cycles how many times a repeatable fault (kill, restart, cut) is injected
 * @param readPause pause between one reader's reads (bounds the history's size)
 * @param minOperations operations each fault must check (0: no minimum)
 */
record Scale(String name, Duration duration, Duration outage, int cycles, Duration readPause, long minOperations) {

  static final Scale CI = new Scale("CI subset", Duration.ofSeconds(10), Duration.ofSeconds(3), 2,
      Duration.ofMillis(3), 0);
  static final Scale FULL = new Scale("full", Duration.ofSeconds(65), Duration.ofSeconds(30), 5,
      Duration.ofMillis(2), 10_000);

  static Scale fromSystemProperties() {
    return Boolean.getBoolean("faults.full") ? FULL : CI;
  }
}
