package io.tandem.components.configuration;

import java.util.Map;
import java.util.Objects;

/**
 * One configuration value as the Configuration API shows it. {@code version} is the store's own
 * version string (empty when the store keeps none); a deleted key is reported to subscribers with
 * an empty value and version.
 */
public record ConfigurationItem(String value, String version, Map<String, String> metadata) {
  public ConfigurationItem {
    Objects.requireNonNull(value, "value");
    version = version == null ? "" : version;
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
