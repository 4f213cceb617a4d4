package dev.etcdcache.adapter.kubernetes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector, parsed from the syntax {@code kubectl -l} and {@code ?labelSelector=}
 * take: {@code key=value}, {@code key==value}, {@code key!=value}, {@code key in (a,b)},
 * {@code key notin (a,b)}, {@code key}, {@code !key}, {@code key>n}, {@code key<n}; commas join
 * requirements with AND. Semantics are k8s.io/apimachinery's {@code labels.Selector}: {@code !=} and
 * {@code notin} also match objects without the key; the empty selector matches everything.
 * Immutable and thread-safe.
 */
public final class LabelSelector {

  /** A requirement's operator. */
  public enum Operator {
    /** {@code key=value}, {@code key==value}, {@code key in (...)}: the key is present with one of the values. */
    IN,
    /** {@code key!=value}, {@code key notin (...)}: the key is absent or has none of the values. */
    NOT_IN,
    /** {@code key}: the key is present. */
    EXISTS,
    /** {@code !key}: the key is absent. */
    DOES_NOT_EXIST,
    /** {@code key>n}: the key's value is an integer greater than n. */
    GREATER_THAN,
    /** {@code key<n}: the key's value is an integer less than n. */
    LESS_THAN
  }

  /**
   * One requirement of a selector.
   *
   * @param key the label key
   * @param operator the operator
   * @param values the values ({@code IN}/{@code NOT_IN}: one or more; {@code GREATER_THAN}/
   *     {@code LESS_THAN}: one integer; otherwise none)
   */
  public record Requirement(String key, Operator operator, Set<String> values) {

    /** Validates the requirement and copies its values, keeping their order. */
    public Requirement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(operator, "operator");
      values = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(values));
      boolean needsValues = operator == Operator.IN || operator == Operator.NOT_IN;
      boolean needsOne = operator == Operator.GREATER_THAN || operator == Operator.LESS_THAN;
      if (needsValues && values.isEmpty() || needsOne && values.size() != 1 || !needsValues && !needsOne && !values.isEmpty()) {
        throw new IllegalArgumentException("wrong number of values for " + operator + ": " + values);
      }
    }

    /** Whether {@code labels} satisfy this requirement. */
    public boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      switch (operator) {
        case IN:
          return value != null && values.contains(value);
        case NOT_IN:
          return value == null || !values.contains(value);
        case EXISTS:
          return value != null;
        case DOES_NOT_EXIST:
          return value == null;
        default:
          return value != null && compares(value);
      }
    }

    private boolean compares(String value) {
      try {
        long actual = Long.parseLong(value);
        long bound = Long.parseLong(values.iterator().next());
        return operator == Operator.GREATER_THAN ? actual > bound : actual < bound;
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }

  // Label key: optional DNS-subdomain prefix and '/', then a name; value: empty or a name (k8s
  // validation.IsQualifiedName / IsValidLabelValue, without the length limits).
  private static final Pattern KEY = Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final LabelSelector EVERYTHING = new LabelSelector(List.of());

  private final List<Requirement> requirements;

  private LabelSelector(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  /** The selector that matches every object. */
  public static LabelSelector everything() {
    return EVERYTHING;
  }

  /**
   * Parses a selector; {@code null} or blank is {@link #everything()}.
   *
   * @throws IllegalArgumentException with the position, if the text is not a valid selector
   */
  public static LabelSelector parse(String selector) {
    if (selector == null || selector.isBlank()) {
      return EVERYTHING;
    }
    return new LabelSelector(new Parser(selector).requirements());
  }

  /** The requirements, all of which must hold. */
  public List<Requirement> requirements() {
    return requirements;
  }

  /** Whether {@code labels} satisfy every requirement. */
  public boolean matches(Map<String, String> labels) {
    for (Requirement r : requirements) {
      if (!r.matches(labels)) {
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
    return other instanceof LabelSelector s && s.requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode();
  }

  @Override
  public String toString() {
    return "LabelSelector" + requirements;
  }

  /** A recursive-descent reader of one selector string. */
  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    List<Requirement> requirements() {
      List<Requirement> result = new ArrayList<>();
      while (true) {
        result.add(requirement());
        skipSpace();
        if (pos == text.length()) {
          return result;
        }
        expect(',');
      }
    }

    private Requirement requirement() {
      skipSpace();
      if (peek('!')) {
        pos++;
        skipSpace();
        return new Requirement(key(), Operator.DOES_NOT_EXIST, Set.of());
      }
      String key = key();
      skipSpace();
      if (pos == text.length() || peek(',')) {
        return new Requirement(key, Operator.EXISTS, Set.of());
      }
      if (text.startsWith("==", pos) || text.startsWith("!=", pos)) {
        Operator op = text.charAt(pos) == '!' ? Operator.NOT_IN : Operator.IN;
        pos += 2;
        return new Requirement(key, op, Set.of(value()));
      }
      if (peek('=')) {
        pos++;
        return new Requirement(key, Operator.IN, Set.of(value()));
      }
      if (peek('>') || peek('<')) {
        Operator op = peek('>') ? Operator.GREATER_THAN : Operator.LESS_THAN;
        pos++;
        String bound = value();
        try {
          Long.parseLong(bound);
        } catch (NumberFormatException e) {
          throw error("an integer after " + (op == Operator.GREATER_THAN ? "'>'" : "'<'"));
        }
        return new Requirement(key, op, Set.of(bound));
      }
      String word = word();
      Operator op = switch (word) {
        case "in" -> Operator.IN;
        case "notin" -> Operator.NOT_IN;
        default -> throw error("an operator (=, ==, !=, in, notin, >, <), found '" + word + "'");
      };
      skipSpace();
      expect('(');
      Set<String> values = new LinkedHashSet<>();
      while (true) {
        values.add(value());
        skipSpace();
        if (peek(')')) {
          pos++;
          break;
        }
        expect(',');
      }
      return new Requirement(key, op, values);
    }

    private String key() {
      String key = word();
      if (!KEY.matcher(key).matches()) {
        throw error("a label key, found '" + key + "'");
      }
      return key;
    }

    private String value() {
      skipSpace();
      String value = word();
      if (!VALUE.matcher(value).matches()) {
        throw error("a label value, found '" + value + "'");
      }
      return value;
    }

    private String word() {
      int start = pos;
      while (pos < text.length() && "=!<>(), \t\n".indexOf(text.charAt(pos)) < 0) {
        pos++;
      }
      return text.substring(start, pos);
    }

    private boolean peek(char c) {
      return pos < text.length() && text.charAt(pos) == c;
    }

    private void expect(char c) {
      if (!peek(c)) {
        throw error("'" + c + "'");
      }
      pos++;
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private IllegalArgumentException error(String expected) {
      return new IllegalArgumentException("label selector '" + text + "': expected " + expected + " at position " + pos);
    }
  }
}
