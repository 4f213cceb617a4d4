package dev.etcdcache.core.store;

import com.google.protobuf.ByteString;
import dev.etcdcache.btree.BPlusTree;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Answers an etcd {@link RangeRequest} from a {@link StoreVersion} exactly as etcd's
 * {@code applierV3backend.Range} (etcd 3.4, same in 3.5 and main) does:
 *
 * <ol>
 *   <li>{@code count} is every key in the range, ignoring {@code limit} and the min/max filters,
 *       read from the tree's subtree counts without walking the range;</li>
 *   <li>with no sort order and no min/max filter, only the first {@code limit + 1} keys in key
 *       order are fetched; otherwise the whole range is fetched;</li>
 *   <li>the filters prune, then a non-KEY sort target with no order sorts ASCEND, and the sort is
 *       Go's unstable {@code sort.Sort} (or {@code sort.Reverse}), so ties come out in etcd's order;</li>
 *   <li>{@code limit} truncates and sets {@code more}; {@code keys_only} drops values;
 *       {@code count_only} returns the count alone.</li>
 * </ol>
 *
 * <p>The request's revision is not looked at: the caller picks the version. Stateless and thread-safe.
 * Internal, no compatibility promise.
 */
public final class RangeEvaluator {

  private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

  private RangeEvaluator() {}

  /** The response etcd would give for {@code request} at {@code version}, with {@code header}. */
  public static RangeResponse evaluate(RangeRequest request, StoreVersion version, ResponseHeader header) {
    return evaluate(request, version, header, null);
  }

  /**
   * As {@link #evaluate(RangeRequest, StoreVersion, ResponseHeader)}, handing out the entries'
   * messages kept in {@code forms} (null: build every one).
   */
  public static RangeResponse evaluate(RangeRequest request, StoreVersion version, ResponseHeader header,
      EntryForms forms) {
    KeyRange range = KeyRange.of(request.getKey(), request.getRangeEnd());
    BPlusTree<byte[]> tree = version.tree();
    RangeResponse.Builder response = RangeResponse.newBuilder().setHeader(header);
    if (range.isEmpty()) {
      return response.build();
    }
    if (range.isSingleKey()) {
      return singleKey(request, tree, range.fromInclusive(), response, forms);
    }
    int count = tree.count(range.fromInclusive(), range.toExclusive());
    response.setCount(count);
    if (request.getCountOnly() || count == 0) {
      return response.build();
    }
    if (inKeyOrderUnfiltered(request)) {
      // Most reads: the first keys of the range as they are, with nothing to prune or sort, and
      // more known from the count (etcd's limit + 1 read tells it the same).
      long limit = request.getLimit();
      boolean limited = limit > 0 && limit < count;
      boolean keysOnly = request.getKeysOnly();
      int take = limited ? (int) limit : count;
      // Sized once: the builder's own list would grow by halves from 10, copying as it goes.
      List<KeyValue> kvs = new ArrayList<>(take);
      tree.forEach(range.fromInclusive(), range.toExclusive(), false, take,
          (k, stored) -> kvs.add(keysOnly ? StoredValue.toKeyOnly(k, stored) : keyValue(forms, k, stored)));
      return response.addAllKvs(kvs).setMore(limited).build();
    }
    List<KeyValue> kvs = fetch(request, tree, range, count, forms);
    prune(request, kvs);
    sort(request, kvs);
    long limit = request.getLimit();
    if (limit > 0 && kvs.size() > limit) {
      kvs = kvs.subList(0, (int) limit);
      response.setMore(true);
    }
    if (request.getKeysOnly()) {
      for (KeyValue kv : kvs) {
        response.addKvs(kv.toBuilder().clearValue().build());
      }
    } else {
      response.addAllKvs(kvs);
    }
    return response.build();
  }

  /**
   * A single-key range, the most common read: one descent instead of a count, a walk and a list.
   * etcd's answer is the same as for any range of at most one key: the count ignores the min/max
   * filters, a limit of one or more leaves the entry (and {@code more} unset), sorting one entry
   * changes nothing, and {@code keys_only} drops the value after the filters looked at it.
   */
  private static RangeResponse singleKey(RangeRequest request, BPlusTree<byte[]> tree, byte[] key,
      RangeResponse.Builder response, EntryForms forms) {
    byte[] stored = tree.get(key);
    if (stored == null) {
      return response.build();
    }
    response.setCount(1);
    if (request.getCountOnly()
        || !withinFilters(request, StoredValue.modRevision(stored), StoredValue.createRevision(stored))) {
      return response.build();
    }
    KeyValue kv = request.getKeysOnly() ? StoredValue.toKeyOnly(key, stored) : keyValue(forms, key, stored);
    // A one-element list: the builder then sizes its own list to one instead of ten.
    return response.addAllKvs(Collections.singletonList(kv)).build();
  }

  /** Whether an entry with these revisions passes the request's min/max revision filters. */
  private static boolean withinFilters(RangeRequest r, long mod, long create) {
    return (r.getMaxModRevision() == 0 || mod <= r.getMaxModRevision())
        && (r.getMinModRevision() == 0 || mod >= r.getMinModRevision())
        && (r.getMaxCreateRevision() == 0 || create <= r.getMaxCreateRevision())
        && (r.getMinCreateRevision() == 0 || create >= r.getMinCreateRevision());
  }

  /** Whether etcd answers in key order with no filter, so its answer is the range's first keys. */
  private static boolean inKeyOrderUnfiltered(RangeRequest r) {
    return r.getSortOrder() == RangeRequest.SortOrder.NONE && r.getSortTarget() == RangeRequest.SortTarget.KEY
        && r.getMinModRevision() == 0 && r.getMaxModRevision() == 0
        && r.getMinCreateRevision() == 0 && r.getMaxCreateRevision() == 0;
  }

  /**
   * The keys etcd's applier reads before pruning and sorting: the first {@code limit + 1} in key
   * order, or all {@code count} of them. The list is sized by what the range holds, never by the
   * request: a limit of {@code Integer.MAX_VALUE} is a client's "no limit", not a size (issue 16).
   * etcd computes {@code limit + 1} in int64, so {@code Long.MAX_VALUE} wraps negative and means all.
   */
  private static List<KeyValue> fetch(RangeRequest request, BPlusTree<byte[]> tree, KeyRange range, int count,
      EntryForms forms) {
    long limit = request.getLimit();
    boolean fetchAll = request.getSortOrder() != RangeRequest.SortOrder.NONE
        || request.getMinModRevision() != 0 || request.getMaxModRevision() != 0
        || request.getMinCreateRevision() != 0 || request.getMaxCreateRevision() != 0;
    boolean limited = !fetchAll && limit > 0 && limit < count; // limit + 1 cannot overflow here
    int fetchLimit = limited ? (int) limit + 1 : 0;
    List<KeyValue> kvs = new ArrayList<>(limited ? fetchLimit : count);
    tree.forEach(range.fromInclusive(), range.toExclusive(), false, fetchLimit,
        (k, stored) -> kvs.add(keyValue(forms, k, stored)));
    return kvs;
  }

  private static KeyValue keyValue(EntryForms forms, byte[] key, byte[] stored) {
    return forms == null ? StoredValue.toKeyValue(key, stored) : forms.keyValue(key, stored);
  }

  private static void prune(RangeRequest r, List<KeyValue> kvs) {
    if (r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
        || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0) {
      kvs.removeIf(kv -> !withinFilters(r, kv.getModRevision(), kv.getCreateRevision()));
    }
  }

  private static void sort(RangeRequest r, List<KeyValue> kvs) {
    RangeRequest.SortOrder order = r.getSortOrder();
    RangeRequest.SortTarget target = r.getSortTarget();
    if (target != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      order = RangeRequest.SortOrder.ASCEND;
    }
    if (order == RangeRequest.SortOrder.NONE || order == RangeRequest.SortOrder.UNRECOGNIZED) {
      return;
    }
    if (target == RangeRequest.SortTarget.KEY) {
      // Keys are distinct and already ascending, so Go's sort leaves them be or reverses them.
      if (order == RangeRequest.SortOrder.DESCEND) {
        Collections.reverse(kvs);
      }
      return;
    }
    GoSortable sortable = new KeyValueSort(kvs, comparatorFor(target));
    GoSort.sort(order == RangeRequest.SortOrder.DESCEND ? GoSort.reverse(sortable) : sortable);
  }

  private static Comparator<KeyValue> comparatorFor(RangeRequest.SortTarget target) {
    return switch (target) {
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE -> (a, b) -> BYTES.compare(a.getValue(), b.getValue());
      default -> (a, b) -> BYTES.compare(a.getKey(), b.getKey());
    };
  }

  /** etcd's kvSort: a list viewed through Go's sort.Interface with one sort target. */
  private static final class KeyValueSort implements GoSortable {
    private final List<KeyValue> kvs;
    private final Comparator<KeyValue> order;

    KeyValueSort(List<KeyValue> kvs, Comparator<KeyValue> order) {
      this.kvs = kvs;
      this.order = order;
    }

    @Override
    public int length() {
      return kvs.size();
    }

    @Override
    public boolean less(int i, int j) {
      return order.compare(kvs.get(i), kvs.get(j)) < 0;
    }

    @Override
    public void swap(int i, int j) {
      KeyValue t = kvs.get(i);
      kvs.set(i, kvs.get(j));
      kvs.set(j, t);
    }
  }
}
