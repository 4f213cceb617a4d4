/**
 * Serial, bounded delivery to one listener: the queue the watch hub's watchers and the views'
 * watchers both deliver through. Internal, no compatibility promise;
 * {@link dev.etcdcache.core.delivery.SerialQueue} is the only type.
 */
package dev.etcdcache.core.delivery;
