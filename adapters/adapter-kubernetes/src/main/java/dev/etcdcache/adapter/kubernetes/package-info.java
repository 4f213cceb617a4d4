/**
 * Kubernetes object semantics for what kube-apiserver stores in etcd: the storage envelope
 * ({@code k8s\0} + {@code runtime.Unknown}) decoded into the typed messages of
 * {@code io.kubernetes:client-java-proto}, JSON values into a generic tree, values encrypted at rest
 * reported as such; the etcd key layout ({@link dev.etcdcache.adapter.kubernetes.KeyLayout}); and
 * namespace, label, owner and field indexes that answer Kubernetes label and field selectors
 * ({@link dev.etcdcache.adapter.kubernetes.Selection}) from a {@code CacheView}.
 *
 * <p>Entry point: {@link dev.etcdcache.adapter.kubernetes.KubernetesAdapter#builder()}.
 */
package dev.etcdcache.adapter.kubernetes;
