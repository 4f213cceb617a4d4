package dev.etcdcache.adapter.kubernetes;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Kubernetes field selector, parsed from the syntax {@code ?fieldSelector=} takes:
 * {@code path=value}, {@code path==value}, {@code path!=value}, joined with commas (AND); a backslash
 * escapes {@code \}, {@code ,} and {@code =} in values, as in k8s.io/apimachinery's
 * {@code fields.ParseSelector}. Paths are resolved on the object: {@code metadata.name},
 * {@code metadata.namespace}, and any scalar field such as pods' {@code spec.nodeName} and
 * {@code status.phase}. A path the object does not have never equals a value (so {@code !=} matches
 * it); kube-apiserver instead rejects paths a kind does not register. Immutable and thread-safe.
 */
public final class FieldSelector {

  /**
   * One term of a selector.
   *
   * @param path the field path, e.g. {@code spec.nodeName}
   * @param equal {@code true} for {@code =}/{@code ==}, {@code false} for {@code !=}
   * @param value the value, unescaped
   */
  public record Requirement(String path, boolean equal, String value) {

    /** Validates the term. */
    public Requirement {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(value, "value");
      if (path.isEmpty()) {
        throw new IllegalArgumentException("a field selector term needs a path");
      }
    }

    /** Whether {@code object} satisfies this term. */
    public boolean matches(KubeObject object) {
      String actual = FieldPaths.resolve(object, path);
      return equal == value.equals(actual);
    }
  }

  private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

  private final List<Requirement> requirements;

  private FieldSelector(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  /** The selector that matches every object. */
  public static FieldSelector everything() {
    return EVERYTHING;
  }

  /**
   * Parses a selector; {@code null} or blank is {@link #everything()}.
   *
   * @throws IllegalArgumentException if a term has no operator or no path, or ends in a lone backslash
   */
  public static FieldSelector parse(String selector) {
    if (selector == null || selector.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> terms = new ArrayList<>();
    for (String term : splitUnescaped(selector)) {
      terms.add(term(term, selector));
    }
    return new FieldSelector(terms);
  }

  /** The terms, all of which must hold. */
  public List<Requirement> requirements() {
    return requirements;
  }

  /** Whether {@code object} satisfies every term. */
  public boolean matches(KubeObject object) {
    for (Requirement r : requirements) {
      if (!r.matches(object)) {
        return false;
      }
    }
    return true;
  }

  /** Whether this is the selector that matches everything. */
  public boolean isEverything() {
    return requirements.isEmpty();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof FieldSelector s && s.requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode();
  }

  @Override
  public String toString() {
    return "FieldSelector" + requirements;
  }

  // Like apimachinery's splitTerm: the first position where "!=", "==" or "=" starts, in that
  // order of preference, splits path from value.
  private static Requirement term(String term, String selector) {
    for (int i = 0; i < term.length(); i++) {
      if (term.startsWith("\\", i)) {
        i++;
        continue;
      }
      for (String op : new String[] {"!=", "==", "="}) {
        if (term.startsWith(op, i)) {
          String path = term.substring(0, i).trim();
          if (path.isEmpty()) {
            throw new IllegalArgumentException("field selector '" + selector + "': term '" + term + "' has no path");
          }
          return new Requirement(path, !op.equals("!="), unescape(term.substring(i + op.length()), selector));
        }
      }
    }
    throw new IllegalArgumentException("field selector '" + selector + "': term '" + term
        + "' has no operator (=, ==, !=)");
  }

  private static List<String> splitUnescaped(String selector) {
    List<String> terms = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == ',') {
        terms.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(selector.substring(start));
    return terms;
  }

  private static String unescape(String value, String selector) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\') {
        if (i + 1 == value.length() || "\\,=".indexOf(value.charAt(i + 1)) < 0) {
          throw new IllegalArgumentException("field selector '" + selector + "': invalid escape in '" + value + "'");
        }
        c = value.charAt(++i);
      }
      out.append(c);
    }
    return out.toString();
  }
}
