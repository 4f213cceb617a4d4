/**
 * The cache's memory estimate and its limits (budget, most keys), and the decision to degrade to
 * etcd instead of growing past them. Internal, no compatibility promise.
 */
package dev.etcdcache.core.memory;
