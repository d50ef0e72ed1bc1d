package io.tandem.components;

import java.util.Set;

/**
 * Creates components of one {@code type}, found through {@link java.util.ServiceLoader}. The type
 * name and metadata keys are Dapr's (for example {@code state.redis}), so a Component YAML written
 * for Dapr works unchanged.
 */
public interface ComponentFactory {

  /** The {@code spec.type} served, such as {@code state.sqlite}. */
  String type();

  /** The {@code spec.version} values served. */
  default Set<String> versions() {
    return Set.of("v1");
  }

  /** A new, uninitialised instance. */
  Component create();
}
