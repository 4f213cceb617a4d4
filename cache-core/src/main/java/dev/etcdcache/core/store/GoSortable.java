package dev.etcdcache.core.store;

/**
 * What Go's {@code sort.Interface} is: a collection that {@link GoSort} sorts through indexes
 * into the caller's own array, so that the caller decides how elements compare and move.
 *
 * <p>{@link GoSort} reproduces Go's exact sequence of {@link #less} and {@link #swap} calls,
 * so an implementation only has to compare and swap what the indexes name: it must not
 * reorder anything by itself.
 */
interface GoSortable {

  /** Number of elements, Go's {@code Len()}. */
  int length();

  /** Whether element {@code i} must sort before element {@code j}, Go's {@code Less(i, j)}. */
  boolean less(int i, int j);

  /** Exchanges elements {@code i} and {@code j}, Go's {@code Swap(i, j)}. */
  void swap(int i, int j);
}
