package io.tandem.components.configuration;

import io.tandem.components.Component;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A read-only key/value store behind the Configuration API ({@code configuration.*} components).
 * The application reads values and subscribes to their changes; writing them is the operator's
 * business, through the backend's own tools.
 */
public interface ConfigurationStore extends Component {

  /**
   * The items stored under {@code keys}, or every item when {@code keys} is empty. Keys that do not
   * exist are left out of the result. {@code metadata} is the request's metadata.
   */
  CompletionStage<Map<String, ConfigurationItem>> get(
      List<String> keys, Map<String, String> metadata);

  /**
   * Starts pushing changes of {@code keys} (of every key when empty) to {@code listener}; the stage
   * completes once the watch is established, so that a change made after it completed is never
   * missed. The sidecar assigns the subscription id the app sees.
   */
  CompletionStage<ConfigurationWatch> subscribe(
      List<String> keys, Map<String, String> metadata, ConfigurationListener listener);
}
