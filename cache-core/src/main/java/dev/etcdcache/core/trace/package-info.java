/**
 * OpenTelemetry spans over the cache's lifecycle and its trips to etcd ({@link
 * dev.etcdcache.core.trace.Tracing}); never on the serializable read path.
 */
package dev.etcdcache.core.trace;
