/**
 * Typed views: a prefix of the mirror decoded by an {@link dev.etcdcache.api.Adapter}, with
 * persistent secondary indexes kept at the mirror's revisions, queries over them and typed watches.
 * Internal, no compatibility promise; {@link dev.etcdcache.core.view.MirrorView} is the only entry
 * point.
 */
package dev.etcdcache.core.view;
