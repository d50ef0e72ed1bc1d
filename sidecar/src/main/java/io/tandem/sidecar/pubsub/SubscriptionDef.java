package io.tandem.sidecar.pubsub;

import io.dapr.v1.DaprMetadataProtos.PubsubSubscription;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscriptionRule;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscriptionRules;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscriptionType;
import io.tandem.components.pubsub.BulkSubscribeOptions;
import io.tandem.components.pubsub.PubSub;
import io.tandem.crds.Subscription;
import io.tandem.crds.SubscriptionSpec;
import io.tandem.sidecar.appchannel.AppSubscription;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;

/**
 * One subscription, whichever way it was made (declarative, programmatic or streaming), with its
 * routing rules compiled.
 *
 * @param deadLetterTopic where undeliverable messages go; empty for none
 * @param bulk how the app wants batches, or null for one message per call
 */
public record SubscriptionDef(
    String name,
    PubsubSubscriptionType type,
    String pubsubName,
    String topic,
    Map<String, String> metadata,
    RoutingRules routes,
    String deadLetterTopic,
    BulkSubscribeOptions bulk) {

  public SubscriptionDef {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    deadLetterTopic = deadLetterTopic == null ? "" : deadLetterTopic;
  }

  /**
   * The {@code pubsub||topic} key under which a programmatic subscription replaces a declarative
   * one.
   */
  public String key() {
    return pubsubName + "||" + topic;
  }

  public boolean hasDeadLetterTopic() {
    return !deadLetterTopic.isEmpty();
  }

  /**
   * The subscription's {@code rawPayload}.
   *
   * @throws IllegalArgumentException when it is not a boolean
   */
  public boolean rawPayload() {
    String v = metadata.get(PubSub.RAW_PAYLOAD);
    if (v == null || v.isEmpty()) {
      return false;
    }
    Boolean b = PubSubService.parseBool(v);
    if (b == null) {
      throw new IllegalArgumentException(
          "rawPayload value must be a valid boolean: actual is '" + v + "'");
    }
    return b;
  }

  /**
   * A declarative Subscription resource.
   *
   * @throws RoutingRules.InvalidRuleException when a {@code match} does not compile
   */
  public static SubscriptionDef declarative(Subscription s) {
    return new SubscriptionDef(
        s.name(),
        PubsubSubscriptionType.DECLARATIVE,
        s.spec().pubsubName(),
        s.spec().topic(),
        s.spec().metadataOrEmpty(),
        RoutingRules.compile(
            s.rules().stream()
                .map(
                    r ->
                        (Map.Entry<String, String>)
                            new AbstractMap.SimpleEntry<>(r.match(), r.path()))
                .toList(),
            s.defaultRoute()),
        s.spec().deadLetterTopicOrEmpty(),
        bulk(s.spec().bulkSubscribe()));
  }

  /**
   * A subscription the app declared ({@code /dapr/subscribe} or {@code ListTopicSubscriptions}).
   *
   * @throws RoutingRules.InvalidRuleException when a {@code match} does not compile
   */
  public static SubscriptionDef programmatic(AppSubscription s) {
    List<Map.Entry<String, String>> rules =
        s.rules() == null
            ? List.of()
            : s.rules().stream()
                .map(
                    r ->
                        (Map.Entry<String, String>)
                            new AbstractMap.SimpleEntry<>(r.match(), r.path()))
                .toList();
    BulkSubscribeOptions bulk =
        s.bulkSubscribe() != null && s.bulkSubscribe().enabled()
            ? new BulkSubscribeOptions(
                s.bulkSubscribe().maxMessagesCount(),
                Duration.ofMillis(Math.max(0, s.bulkSubscribe().maxAwaitDurationMs())))
            : null;
    return new SubscriptionDef(
        null,
        PubsubSubscriptionType.PROGRAMMATIC,
        s.pubsubName(),
        s.topic(),
        s.metadata(),
        RoutingRules.compile(rules, s.defaultRoute()),
        s.deadLetterTopic(),
        bulk);
  }

  /** A streaming subscription: every event goes to the stream. */
  public static SubscriptionDef streaming(
      String pubsubName, String topic, Map<String, String> metadata, String deadLetterTopic) {
    return new SubscriptionDef(
        null,
        PubsubSubscriptionType.STREAMING,
        pubsubName,
        topic,
        metadata,
        RoutingRules.single("/"),
        deadLetterTopic,
        null);
  }

  /** The same subscription with other routes. */
  public SubscriptionDef withRoutes(RoutingRules r) {
    return new SubscriptionDef(name, type, pubsubName, topic, metadata, r, deadLetterTopic, bulk);
  }

  /** As the metadata API lists it. */
  public PubsubSubscription toProto() {
    PubsubSubscriptionRules.Builder rules = PubsubSubscriptionRules.newBuilder();
    for (RoutingRules.Rule r : routes.rules()) {
      rules.addRules(PubsubSubscriptionRule.newBuilder().setMatch(r.match()).setPath(r.path()));
    }
    return PubsubSubscription.newBuilder()
        .setPubsubName(pubsubName)
        .setTopic(topic)
        .putAllMetadata(metadata)
        .setRules(rules)
        .setDeadLetterTopic(deadLetterTopic)
        .setType(type)
        .build();
  }

  private static BulkSubscribeOptions bulk(SubscriptionSpec.BulkSubscribe b) {
    if (b == null || !b.enabled()) {
      return null;
    }
    return new BulkSubscribeOptions(
        b.maxMessagesCount() == null ? 0 : b.maxMessagesCount(),
        b.maxAwaitDurationMs() == null ? null : Duration.ofMillis(b.maxAwaitDurationMs()));
  }
}
