package io.tandem.sidecar.appchannel;

import java.util.List;
import java.util.Map;

/**
 * A subscription the app declares programmatically ({@code GET /dapr/subscribe} or gRPC {@code
 * ListTopicSubscriptions}).
 *
 * @param rules routing rules tried in order ({@code match} is a CEL expression); may be empty
 * @param defaultRoute the route used when no rule matches (the v1 {@code route}, or {@code
 *     routes.default})
 */
public record AppSubscription(
    String pubsubName,
    String topic,
    Map<String, String> metadata,
    List<Rule> rules,
    String defaultRoute,
    String deadLetterTopic,
    BulkSubscribe bulkSubscribe) {

  public record Rule(String match, String path) {}

  public record BulkSubscribe(boolean enabled, int maxMessagesCount, int maxAwaitDurationMs) {}
}
