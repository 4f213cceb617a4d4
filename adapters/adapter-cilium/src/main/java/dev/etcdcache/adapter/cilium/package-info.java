/**
 * Cilium's kvstore layout read through an etcd-cache view: typed records for identities, the IP
 * cache, nodes, services and cluster configs ({@link dev.etcdcache.adapter.cilium.CiliumAdapter}),
 * and the lookups a Cilium agent makes, consistent at one revision
 * ({@link dev.etcdcache.adapter.cilium.CiliumCache}, {@link dev.etcdcache.adapter.cilium.CiliumState}).
 */
package dev.etcdcache.adapter.cilium;
