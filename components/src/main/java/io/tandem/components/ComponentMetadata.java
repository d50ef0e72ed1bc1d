package io.tandem.components;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A component's name and its {@code spec.metadata}, secrets already resolved, with typed getters
 * that name the key in their errors. Keys are matched case-insensitively, as Dapr does.
 */
public final class ComponentMetadata {
  private final String name;
  private final Map<String, String> properties;

  public ComponentMetadata(String name, Map<String, String> properties) {
    this.name = name;
    TreeMap<String, String> p = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    p.putAll(properties);
    this.properties = java.util.Collections.unmodifiableMap(p);
  }

  public String name() {
    return name;
  }

  /** All properties; lookups on the returned map ignore case. */
  public Map<String, String> properties() {
    return properties;
  }

  public String get(String key) {
    return properties.get(key);
  }

  public String get(String key, String defaultValue) {
    String v = properties.get(key);
    return v == null || v.isEmpty() ? defaultValue : v;
  }

  public String required(String key) {
    String v = properties.get(key);
    if (v == null || v.isBlank()) {
      throw ComponentException.invalid(
          "component " + name + ": metadata '" + key + "' is required");
    }
    return v;
  }

  public boolean getBoolean(String key, boolean defaultValue) {
    String v = properties.get(key);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "y", "on":
        return true;
      case "false", "0", "no", "n", "off":
        return false;
      default:
        throw ComponentException.invalid(
            "component " + name + ": metadata '" + key + "' is not a boolean: " + v);
    }
  }

  public int getInt(String key, int defaultValue) {
    String v = properties.get(key);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw ComponentException.invalid(
          "component " + name + ": metadata '" + key + "' is not an integer: " + v);
    }
  }

  /**
   * A duration written the Go way ({@code 1h30m}, {@code 500ms}) or as plain seconds, as Dapr's
   * components accept.
   */
  public Duration getDuration(String key, Duration defaultValue) {
    String v = properties.get(key);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    try {
      return Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw ComponentException.invalid(
          "component " + name + ": metadata '" + key + "' is not a duration: " + v);
    }
  }
}
