package dev.etcdcache.benchmarks.load;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One measured cell of the report: a scenario's variant on one contender, with its figures as
 * named, already formatted columns in report order.
 *
 * @param scenario the scenario's file name part, e.g. {@code 1-point-get}
 * @param variant what was varied, e.g. {@code linearizable, 16 callers}
 * @param contender who answered
 * @param columns column name to formatted value, in order
 */
record ResultRow(String scenario, String variant, Contender contender, Map<String, String> columns) {

  ResultRow {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(contender, "contender");
    columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
  }
}
