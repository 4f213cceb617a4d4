/** A persistent B+tree over unsigned-lexicographic byte[] keys with O(1) snapshots and subtree counts. */
module dev.etcdcache.btree {
  exports dev.etcdcache.btree;
}
