package dev.etcdcache.adapter.cilium;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The labels of a security identity, each as {@code source:key=value} (or {@code source:key}), in
 * sorted order, as Cilium's {@code LabelArray} keeps them. Two sets with the same labels are equal
 * whatever order they were given in.
 *
 * <p>Immutable and thread-safe.
 *
 * @param labels the labels, sorted, without duplicates, none empty or containing {@code ;}
 */
public record LabelSet(List<String> labels) {

  /** Sorts, deduplicates and checks the labels. */
  public LabelSet {
    Objects.requireNonNull(labels, "labels");
    List<String> sorted = new ArrayList<>(labels.size());
    for (String label : labels) {
      Objects.requireNonNull(label, "label");
      if (label.isEmpty() || label.indexOf(';') >= 0) {
        throw new IllegalArgumentException("bad label: '" + label + "'");
      }
      sorted.add(label);
    }
    sorted.sort(null);
    for (int i = sorted.size() - 1; i > 0; i--) {
      if (sorted.get(i).equals(sorted.get(i - 1))) {
        sorted.remove(i);
      }
    }
    labels = List.copyOf(sorted);
  }

  /** The labels given, in any order. */
  public static LabelSet of(String... labels) {
    return new LabelSet(List.of(labels));
  }

  /**
   * Parses Cilium's kvstore form, {@code k8s:app=baz;k8s:io.kubernetes.pod.namespace=bar;}
   * ({@code FormatForKVStore}: every label followed by {@code ;}).
   *
   * @throws IllegalArgumentException if the text does not end in {@code ;} or holds an empty label
   */
  public static LabelSet parseKvstore(String text) {
    if (text.isEmpty() || text.charAt(text.length() - 1) != ';') {
      throw new IllegalArgumentException("a kvstore label set ends in ';': '" + text + "'");
    }
    List<String> labels = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == ';') {
        labels.add(text.substring(start, i));
        start = i + 1;
      }
    }
    return new LabelSet(labels);
  }

  /** The kvstore form: each label followed by {@code ;}, sorted, as Cilium writes it. */
  public String toKvstoreString() {
    StringBuilder sb = new StringBuilder();
    for (String label : labels) {
      sb.append(label).append(';');
    }
    return sb.toString();
  }
}
