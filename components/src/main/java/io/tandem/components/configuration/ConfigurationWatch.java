package io.tandem.components.configuration;

/** A running subscription of a {@link ConfigurationStore}; closing it stops the updates. */
@FunctionalInterface
public interface ConfigurationWatch extends AutoCloseable {
  /** Stops the updates. Idempotent; no update reaches the listener once it returned. */
  @Override
  void close();
}
