/**
 * The recent-events ring the watch hub replays from. Internal, no compatibility promise.
 */
package dev.etcdcache.core.history;
