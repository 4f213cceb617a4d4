package dev.etcdcache.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Retrying a client call while a fault heals (a failover, a reconnect), for the fault tests. */
final class Retries {

  /** Retries {@code action} for up to 30 s: the first attempts after a fault may fail, later ones not. */
  static <T> T retry(Callable<T> action) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return action.call();
      } catch (Exception e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private Retries() {}
}
