package io.tandem.components.postgresql;

import io.tandem.components.ComponentException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A table name from component metadata, checked before it goes into SQL text (the one thing in our
 * SQL that is not a bound parameter): {@code name} or {@code schema.name}, each part a plain
 * identifier of letters, digits, {@code _} and {@code $}, not starting with a digit or {@code $},
 * at most 63 characters. Like Dapr, which writes it into SQL unquoted, we fold it to lower case; we
 * then quote it, which changes nothing but lets a reserved word ({@code order}) name a table.
 *
 * @param schema the schema, or null when not given (the search path decides)
 * @param name the table's own name, lower-cased
 */
public record TableName(String schema, String name) {
  private static final Pattern PART = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");

  /**
   * Checks {@code value}, the metadata {@code key}'s.
   *
   * @throws ComponentException naming {@code key} when {@code value} is not a plain identifier
   */
  public static TableName parse(String component, String key, String value) {
    String v = value == null ? "" : value.trim();
    String[] parts = v.split("\\.", -1);
    if (v.isEmpty() || parts.length > 2) {
      throw bad(component, key);
    }
    for (String p : parts) {
      if (!PART.matcher(p).matches()) {
        throw bad(component, key);
      }
    }
    return parts.length == 2
        ? new TableName(parts[0].toLowerCase(Locale.ROOT), parts[1].toLowerCase(Locale.ROOT))
        : new TableName(null, parts[0].toLowerCase(Locale.ROOT));
  }

  private static ComponentException bad(String component, String key) {
    return ComponentException.invalid(
        "component "
            + component
            + ": metadata '"
            + key
            + "' must be a table name, optionally schema-qualified (schema.table), made of"
            + " letters, digits, '_' and '$', not starting with a digit, each part at most 63"
            + " characters");
  }

  /** As written into SQL: quoted, lower case. */
  public String sql() {
    return schema == null ? quote(name) : quote(schema) + "." + quote(name);
  }

  /** A name in the same schema, quoted, for an index. */
  public static String quote(String identifier) {
    return '"' + identifier + '"';
  }

  /** A name derived from this one for an index or trigger, in the same schema. */
  public String derived(String suffix) {
    String n = name + suffix;
    return n.length() > 63 ? n.substring(0, 63) : n;
  }

  @Override
  public String toString() {
    return schema == null ? name : schema + "." + name;
  }
}
