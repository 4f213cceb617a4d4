/**
 * A Jackson-based {@link dev.etcdcache.api.Adapter} for JSON values stored in etcd:
 * {@link dev.etcdcache.adapter.json.JsonAdapter}.
 */
package dev.etcdcache.adapter.json;
