/**
 * Real etcd for tests: the launcher ({@code EtcdCluster}, {@code EtcdMember}, {@code FaultProxy}),
 * the JUnit 5 extension over it, and {@code ApiSurface} for API-surface tests.
 */
module dev.etcdcache.testing {
  requires transitive jetcd.core;
  requires transitive org.junit.jupiter.api;
  requires testcontainers;
  requires com.github.dockerjava.api;
  requires org.slf4j;
  requires org.bouncycastle.pkix;
  requires org.bouncycastle.provider;
  requires io.netty.handler;
  requires static com.google.errorprone.annotations;

  exports dev.etcdcache.testing;
}
