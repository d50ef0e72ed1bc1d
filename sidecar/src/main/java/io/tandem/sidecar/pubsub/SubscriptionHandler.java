package io.tandem.sidecar.pubsub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.components.Completions;
import io.tandem.components.pubsub.BulkMessage;
import io.tandem.components.pubsub.BulkMessageEntry;
import io.tandem.components.pubsub.BulkMessageHandler;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.ContentTypes;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventResult;
import io.tandem.sidecar.metrics.SidecarMetrics;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The path of one subscription's messages from the broker to the app, with Dapr's semantics:
 *
 * <ol>
 *   <li>the message is read as a CloudEvent (or wrapped in one when the subscription sets {@code
 *       rawPayload});
 *   <li>an expired event is dropped; an event no rule matches is dropped;
 *   <li>the routing rules pick the path; the event goes to the app (or the stream);
 *   <li>SUCCESS acknowledges; DROP acknowledges, with a warning; RETRY, an unreachable app, an
 *       unreadable message or a rule that cannot be evaluated ask the broker to redeliver.
 * </ol>
 *
 * <p>When the subscription has a dead-letter topic, everything dropped and everything that would be
 * redelivered goes there instead, and is acknowledged once published there. (Dapr does the same
 * when no resiliency policy retries deliveries first: the policy step will sit in front of the
 * dead-letter step.) A message that cannot be sent to its dead-letter topic is redelivered.
 */
final class SubscriptionHandler implements MessageHandler, BulkMessageHandler {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.pubsub");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String SUCCESS = "success";
  private static final String RETRY = "retry";
  private static final String DROP = "drop";

  /** Why the message is not acknowledged: the broker redelivers it. */
  static final class Redeliver extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Redeliver(String message) {
      super(message, null, false, false);
    }
  }

  private final SubscriptionDef def;
  private final EventSink sink;
  private final PubSubService publisher;
  private final SidecarMetrics metrics;
  private final DeliveryGate gate;
  private final Clock clock;
  private final boolean raw;

  SubscriptionHandler(
      SubscriptionDef def,
      EventSink sink,
      PubSubService publisher,
      SidecarMetrics metrics,
      DeliveryGate gate,
      Clock clock) {
    this.def = def;
    this.sink = sink;
    this.publisher = publisher;
    this.metrics = metrics;
    this.gate = gate;
    this.clock = clock;
    this.raw = def.rawPayload();
  }

  // ---- one message at a time

  @Override
  public CompletionStage<Void> handle(Message message) {
    return gate.whenOpen().thenCompose(v -> process(message));
  }

  private CompletionStage<Void> process(Message m) {
    Decoded d;
    try {
      d = decode(m.data(), m.metadata());
    } catch (IOException e) {
      log.error(
          "error deserializing cloud event in pubsub {} and topic {}: {}",
          def.pubsubName(),
          def.topic(),
          e.getMessage());
      return failOrDeadLetter(m, "unreadable CloudEvent: " + e.getMessage());
    }
    if (CloudEvents.hasExpired(d.event(), clock.instant())) {
      log.warn(
          "dropping expired pub/sub event {} as of {}",
          d.event().path("id").asText(),
          d.event().path("expiration").asText());
      metrics.pubsubIngress(def.pubsubName(), def.topic(), DROP, DROP, 0);
      return dropped(m);
    }
    Optional<String> route;
    try {
      route = def.routes().route(d.event());
    } catch (RoutingRules.EvaluationException e) {
      log.error(
          "error finding matching route for event {} in pubsub {} and topic {}: {}",
          d.event().path("id").asText(),
          def.pubsubName(),
          def.topic(),
          e.getMessage());
      return failOrDeadLetter(m, e.getMessage());
    }
    if (route.isEmpty()) {
      log.debug(
          "no matching route for event {} in pubsub {} and topic {}; skipping",
          d.event().path("id").asText(),
          def.pubsubName(),
          def.topic());
      metrics.pubsubIngress(def.pubsubName(), def.topic(), DROP, SUCCESS, 0);
      return dropped(m);
    }
    TopicEvent event =
        new TopicEvent(
            def.pubsubName(),
            def.topic(),
            route.get(),
            d.body(),
            ContentTypes.CLOUD_EVENTS_JSON,
            false,
            deliveryMetadata(m.metadata()));
    long start = System.nanoTime();
    return Completions.call(() -> sink.deliver(event))
        .exceptionally(
            err -> {
              log.warn(
                  "delivering event {} of {}/{} failed: {}",
                  d.event().path("id").asText(),
                  def.pubsubName(),
                  def.topic(),
                  Completions.message(err));
              return TopicEventResult.RETRY;
            })
        .thenCompose(
            result -> {
              double ms = (System.nanoTime() - start) / 1e6;
              String id = d.event().path("id").asText();
              switch (result) {
                case SUCCESS:
                  metrics.pubsubIngress(def.pubsubName(), def.topic(), SUCCESS, SUCCESS, ms);
                  return CompletableFuture.completedFuture(null);
                case DROP:
                  metrics.pubsubIngress(def.pubsubName(), def.topic(), DROP, SUCCESS, ms);
                  log.warn("DROP status returned from app while processing pub/sub event {}", id);
                  return dropped(m);
                default:
                  metrics.pubsubIngress(def.pubsubName(), def.topic(), RETRY, RETRY, ms);
                  log.warn(
                      "RETRY status returned from app while processing pub/sub event {}: {}",
                      id,
                      def.hasDeadLetterTopic()
                          ? "sending it to dead letter topic " + def.deadLetterTopic()
                          : "the broker redelivers it");
                  return failOrDeadLetter(
                      m, "RETRY status returned from app while processing pub/sub event " + id);
              }
            });
  }

  /** Acknowledged; sent to the dead-letter topic first when there is one. */
  private CompletionStage<Void> dropped(Message m) {
    if (!def.hasDeadLetterTopic()) {
      return CompletableFuture.completedFuture(null);
    }
    return deadLetter(m.data(), m.contentType(), m.metadata());
  }

  /** Redelivered, unless a dead-letter topic takes the message. */
  private CompletionStage<Void> failOrDeadLetter(Message m, String why) {
    if (!def.hasDeadLetterTopic()) {
      return CompletableFuture.failedFuture(new Redeliver(why));
    }
    return deadLetter(m.data(), m.contentType(), m.metadata())
        .thenRun(() -> metrics.pubsubIngress(def.pubsubName(), def.topic(), DROP, DROP, 0));
  }

  private CompletionStage<Void> deadLetter(
      byte[] data, String contentType, Map<String, String> metadata) {
    return publisher
        .publishDeadLetter(def.pubsubName(), def.deadLetterTopic(), data, contentType, metadata)
        .handle(
            (v, err) -> {
              if (err != null) {
                log.error(
                    "error sending message to dead letter, origin topic: {} dead letter topic {}"
                        + " err: {}",
                    def.topic(),
                    def.deadLetterTopic(),
                    Completions.message(err));
                throw new Redeliver("dead letter topic refused the message");
              }
              return null;
            });
  }

  // ---- batches

  @Override
  public CompletionStage<Set<String>> handle(BulkMessage batch) {
    return gate.whenOpen().thenCompose(v -> processBatch(batch));
  }

  private CompletionStage<Set<String>> processBatch(BulkMessage batch) {
    Set<String> redeliver = new HashSet<>();
    List<CompletionStage<Void>> pending = new ArrayList<>();
    Map<String, List<BulkTopicEvent.Entry>> byRoute = new LinkedHashMap<>();
    Map<String, BulkMessageEntry> byId = new HashMap<>();
    for (BulkMessageEntry e : batch.entries()) {
      byId.put(e.entryId(), e);
      Decoded d;
      try {
        d = decode(e.event(), e.metadata());
      } catch (IOException ex) {
        log.error(
            "error deserializing one of the messages in bulk cloud event in pubsub {} and topic"
                + " {}: {}",
            def.pubsubName(),
            def.topic(),
            ex.getMessage());
        pending.add(entryFailed(e, redeliver));
        continue;
      }
      if (CloudEvents.hasExpired(d.event(), clock.instant())) {
        log.warn("dropping expired pub/sub event {}", d.event().path("id").asText());
        metrics.pubsubBulkIngressEntries(def.pubsubName(), def.topic(), DROP, 1);
        pending.add(entryDropped(e, redeliver));
        continue;
      }
      Optional<String> route;
      try {
        route = def.routes().route(d.event());
      } catch (RoutingRules.EvaluationException ex) {
        log.error("error finding matching route for entry {}: {}", e.entryId(), ex.getMessage());
        pending.add(entryFailed(e, redeliver));
        continue;
      }
      if (route.isEmpty()) {
        metrics.pubsubBulkIngressEntries(def.pubsubName(), def.topic(), DROP, 1);
        pending.add(entryDropped(e, redeliver));
        continue;
      }
      byRoute
          .computeIfAbsent(route.get(), r -> new ArrayList<>())
          .add(
              raw
                  ? new BulkTopicEvent.Entry(
                      e.entryId(),
                      e.event(),
                      e.contentType() == null ? ContentTypes.OCTET_STREAM : e.contentType(),
                      true,
                      e.metadata())
                  : new BulkTopicEvent.Entry(
                      e.entryId(), e.event(), ContentTypes.CLOUD_EVENTS_JSON, false, e.metadata()));
    }
    for (Map.Entry<String, List<BulkTopicEvent.Entry>> group : byRoute.entrySet()) {
      BulkTopicEvent event =
          new BulkTopicEvent(
              def.pubsubName(),
              def.topic(),
              group.getKey(),
              group.getValue(),
              deliveryMetadata(batch.metadata()));
      long start = System.nanoTime();
      CompletionStage<Void> delivered =
          Completions.call(() -> sink.deliverBulk(event))
              .exceptionally(
                  err -> {
                    log.warn(
                        "bulk delivery to {} of {}/{} failed: {}",
                        group.getKey(),
                        def.pubsubName(),
                        def.topic(),
                        Completions.message(err));
                    return Map.of();
                  })
              .thenCompose(
                  results -> {
                    metrics.pubsubBulkIngress(
                        def.pubsubName(), def.topic(), (System.nanoTime() - start) / 1e6);
                    List<CompletionStage<Void>> each = new ArrayList<>();
                    for (BulkTopicEvent.Entry entry : group.getValue()) {
                      TopicEventResult r =
                          results.getOrDefault(entry.entryId(), TopicEventResult.RETRY);
                      BulkMessageEntry original = byId.get(entry.entryId());
                      switch (r) {
                        case SUCCESS ->
                            metrics.pubsubBulkIngressEntries(
                                def.pubsubName(), def.topic(), SUCCESS, 1);
                        case DROP -> {
                          metrics.pubsubBulkIngressEntries(def.pubsubName(), def.topic(), DROP, 1);
                          log.warn(
                              "DROP status returned from app while processing pub/sub event {}",
                              entry.entryId());
                          each.add(entryDropped(original, redeliver));
                        }
                        default -> {
                          metrics.pubsubBulkIngressEntries(def.pubsubName(), def.topic(), RETRY, 1);
                          each.add(entryFailed(original, redeliver));
                        }
                      }
                    }
                    return all(each);
                  });
      pending.add(delivered);
    }
    return all(pending).thenApply(v -> Set.copyOf(redeliver));
  }

  private CompletionStage<Void> entryDropped(BulkMessageEntry e, Set<String> redeliver) {
    if (!def.hasDeadLetterTopic()) {
      return CompletableFuture.completedFuture(null);
    }
    return toRedeliverOnFailure(e, deadLetter(e.event(), e.contentType(), e.metadata()), redeliver);
  }

  private CompletionStage<Void> entryFailed(BulkMessageEntry e, Set<String> redeliver) {
    if (!def.hasDeadLetterTopic()) {
      synchronized (redeliver) {
        redeliver.add(e.entryId());
      }
      return CompletableFuture.completedFuture(null);
    }
    return toRedeliverOnFailure(e, deadLetter(e.event(), e.contentType(), e.metadata()), redeliver);
  }

  private static CompletionStage<Void> toRedeliverOnFailure(
      BulkMessageEntry e, CompletionStage<Void> stage, Set<String> redeliver) {
    return stage.handle(
        (v, err) -> {
          if (err != null) {
            synchronized (redeliver) {
              redeliver.add(e.entryId());
            }
          }
          return null;
        });
  }

  // ---- plumbing

  /** The event as routing sees it, and the bytes the app receives. */
  private record Decoded(JsonNode event, byte[] body) {}

  private Decoded decode(byte[] data, Map<String, String> metadata) throws IOException {
    if (raw) {
      ObjectNode ce = CloudEvents.fromRawPayload(data, def.topic(), def.pubsubName(), metadata);
      return new Decoded(ce, JSON.writeValueAsBytes(ce));
    }
    JsonNode ce = JSON.readTree(data);
    if (ce == null || !ce.isObject()) {
      throw new IOException("not a JSON object");
    }
    return new Decoded(ce, data);
  }

  /** The message metadata handed to the app, with the pub/sub name as Dapr adds it. */
  private Map<String, String> deliveryMetadata(Map<String, String> messageMetadata) {
    Map<String, String> md = new LinkedHashMap<>(messageMetadata);
    md.put("pubsubName", def.pubsubName());
    return md;
  }

  private static CompletionStage<Void> all(List<CompletionStage<Void>> stages) {
    return CompletableFuture.allOf(
        stages.stream()
            .map(CompletionStage::toCompletableFuture)
            .toArray(CompletableFuture[]::new));
  }
}
