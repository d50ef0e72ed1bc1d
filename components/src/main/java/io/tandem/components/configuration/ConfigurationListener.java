package io.tandem.components.configuration;

import java.util.Map;

/** Receives the items that changed, keyed by configuration key. Must not block. */
@FunctionalInterface
public interface ConfigurationListener {
  void onUpdate(Map<String, ConfigurationItem> items);
}
