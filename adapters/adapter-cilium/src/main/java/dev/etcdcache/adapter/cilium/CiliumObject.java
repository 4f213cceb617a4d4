package dev.etcdcache.adapter.cilium;

/**
 * One decoded value of Cilium's kvstore, as {@link CiliumAdapter} produces it: which record it is
 * follows from the key's place in the layout, not from the value.
 *
 * <p>All implementations are immutable records, thread-safe.
 */
public sealed interface CiliumObject
    permits SecurityIdentity, IdentityReference, IpIdentity, CiliumNode, ClusterService, ClusterConfig,
        UnsupportedValue {}
