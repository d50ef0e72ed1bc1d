package io.tandem.components.secrets;

import io.tandem.components.Component;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A secret store behind the secrets API and behind {@code secretKeyRef} in Component resources. A
 * missing secret completes exceptionally with a {@link io.tandem.components.ComponentException} of
 * reason {@code NOT_FOUND}.
 */
public interface SecretStore extends Component {
  /** Stores where one secret holds several key/value pairs advertise this feature. */
  String FEATURE_MULTIPLE_KEY_VALUES_PER_SECRET = "MULTIPLE_KEY_VALUES_PER_SECRET";

  /** The key/value pairs of one secret. */
  CompletionStage<Map<String, String>> getSecret(String name, Map<String, String> metadata);

  /** Every secret the store holds, by name. */
  CompletionStage<Map<String, Map<String, String>>> bulkGetSecret(Map<String, String> metadata);
}
