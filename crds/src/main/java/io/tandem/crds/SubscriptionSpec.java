package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The {@code spec} of a Subscription, both versions in one shape: v1alpha1 uses {@code route},
 * v2alpha1 {@code routes}; each version ignores the other's field, as Dapr's types do.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SubscriptionSpec(
    @JsonProperty("pubsubname") String pubsubName,
    String topic,
    Map<String, String> metadata,
    String route,
    Routes routes,
    String deadLetterTopic,
    BulkSubscribe bulkSubscribe) {

  public Map<String, String> metadataOrEmpty() {
    return metadata == null ? Map.of() : metadata;
  }

  public String deadLetterTopicOrEmpty() {
    return deadLetterTopic == null ? "" : deadLetterTopic;
  }

  /** v2alpha1 routing: rules tried in order, then the default path. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Routes(List<Rule> rules, @JsonProperty("default") String defaultRoute) {}

  /**
   * One routing rule.
   *
   * @param match a CEL expression over {@code event} (the CloudEvent); empty matches everything
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Rule(String match, String path) {}

  /** Delivery of several messages per call to the app. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record BulkSubscribe(
      boolean enabled, Integer maxMessagesCount, Integer maxAwaitDurationMs) {}
}
