/**
 * The watch hub: many client watchers served from the mirror's one upstream watch. Internal, no
 * compatibility promise; {@link dev.etcdcache.core.watch.WatchHub} is the only entry point.
 */
package dev.etcdcache.core.watch;
