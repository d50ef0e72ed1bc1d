package io.tandem.sidecar.configuration;

import io.tandem.components.configuration.ConfigurationItem;
import java.util.Map;

/**
 * Where a configuration subscription's news goes: a gRPC stream, or the app over its channel. The
 * calls come one at a time, in order, and must not block.
 */
public interface ConfigurationSink {

  /** The store's watch runs: the first call a sink receives. */
  void started(String id);

  /** Items that changed, keyed by configuration key; a deleted key has an empty value. */
  void update(String id, Map<String, ConfigurationItem> items);

  /**
   * The subscription ended: unsubscribed, or the sidecar stops. Only called after {@link #started}.
   */
  void ended();
}
