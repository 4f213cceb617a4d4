/** A typed-view adapter for JSON values (Jackson), with indexes by JSON Pointer. */
module dev.etcdcache.adapter.json {
  requires transitive dev.etcdcache.api;
  requires transitive com.fasterxml.jackson.databind;

  exports dev.etcdcache.adapter.json;
}
