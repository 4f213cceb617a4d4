package dev.etcdcache.adapter.kubernetes;

/**
 * How many values a {@link KubernetesAdapter} decoded, by outcome, since it was built: a snapshot of
 * monotonic counters. Each decode call (one per change of a key in a view, one per value on a direct
 * read) moves exactly one counter; a value that fails to decode moves none (the view counts it in
 * {@code decodeFailures()}). Immutable.
 *
 * @param typed protobuf envelopes decoded into a typed client-java-proto message
 * @param untyped protobuf envelopes of a kind client-java-proto does not know, kept as metadata and raw bytes
 * @param json JSON values
 * @param encrypted values encrypted at rest that no decryptor opened; views skip them unless the
 *     adapter keeps them
 * @param notObjects keys that are not object keys under the layout's prefix ({@code compact_rev_key})
 */
public record DecodeCounts(long typed, long untyped, long json, long encrypted, long notObjects) {

  /** Validates the counts. */
  public DecodeCounts {
    if (typed < 0 || untyped < 0 || json < 0 || encrypted < 0 || notObjects < 0) {
      throw new IllegalArgumentException("counts are never negative");
    }
  }

  /** The sum of all counts. */
  public long total() {
    return typed + untyped + json + encrypted + notObjects;
  }
}
