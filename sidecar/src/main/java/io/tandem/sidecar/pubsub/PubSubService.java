package io.tandem.sidecar.pubsub;

import io.dapr.v1.DaprPubsubProtos.BulkPublishRequest;
import io.dapr.v1.DaprPubsubProtos.BulkPublishRequestEntry;
import io.dapr.v1.DaprPubsubProtos.BulkPublishResponse;
import io.dapr.v1.DaprPubsubProtos.BulkPublishResponseFailedEntry;
import io.dapr.v1.DaprPubsubProtos.PublishEventRequest;
import io.tandem.components.Completions;
import io.tandem.components.pubsub.BulkMessageEntry;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.appchannel.ContentTypes;
import io.tandem.sidecar.metrics.SidecarMetrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishing half of the pub/sub building block, shared by HTTP and gRPC: finds the component,
 * checks the topic against the app's scopes, wraps payloads in CloudEvents (unless {@code
 * rawPayload}), publishes, records Dapr's egress metrics and maps failures to the error catalog.
 */
public final class PubSubService {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.pubsub");

  private final PubSubs pubsubs;
  private final String appId;
  private final SidecarMetrics metrics;
  private final Clock clock;

  public PubSubService(PubSubs pubsubs, String appId, SidecarMetrics metrics, Clock clock) {
    this.pubsubs = pubsubs;
    this.appId = appId;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** {@code POST /v1.0/publish/{pubsub}/{topic}} and gRPC {@code PublishEvent}. */
  public CompletionStage<Void> publish(PublishEventRequest req, Trace trace) {
    return Completions.call(
        () -> {
          PubSubs.Target t = target(req.getPubsubName(), req.getTopic(), req.getMetadataMap());
          String topic = req.getTopic();
          boolean raw = rawPayload(t.name(), req.getMetadataMap());
          byte[] data = req.getData().toByteArray();
          String contentType = emptyToNull(req.getDataContentType());
          Map<String, String> md = new HashMap<>(req.getMetadataMap());
          if (raw) {
            if (!trace.traceParent().isEmpty()) {
              md.put("traceid", trace.traceParent());
              md.put("tracestate", trace.traceState());
            }
          } else {
            data = envelope(t, topic, contentType, data, trace, req.getMetadataMap());
            contentType = ContentTypes.CLOUD_EVENTS_JSON;
          }
          long start = System.nanoTime();
          if (!t.scopes().canPublish(topic)) {
            metrics.pubsubEgress(t.name(), topic, false, 0);
            throw forbidden(t.name(), topic);
          }
          PublishRequest pr = new PublishRequest(topic, data, contentType, md);
          return Completions.call(() -> t.pubsub().publish(pr))
              .handle(
                  (v, err) -> {
                    metrics.pubsubEgress(t.name(), topic, err == null, millisSince(start));
                    if (err != null) {
                      throw publishFailed(t.name(), topic, Completions.message(err));
                    }
                    return null;
                  });
        });
  }

  /**
   * Checks what a bulk publish names before its body is read, as Dapr does: the pub/sub, the topic
   * and the request metadata.
   */
  public void checkBulkTarget(String pubsubName, String topic, Map<String, String> metadata) {
    PubSubs.Target t = target(pubsubName, topic, metadata);
    rawPayload(t.name(), metadata);
  }

  /**
   * {@code POST /v1.0-alpha1/publish/bulk/{pubsub}/{topic}} and gRPC {@code BulkPublishEvent}. The
   * stage fails only when nothing was tried; entries that failed on their own are listed in the
   * response (see {@link #partialFailure} for how a transport reports them).
   */
  public CompletionStage<BulkPublishResponse> bulkPublish(BulkPublishRequest req, Trace trace) {
    return Completions.call(
        () -> {
          PubSubs.Target t = target(req.getPubsubName(), req.getTopic(), req.getMetadataMap());
          String topic = req.getTopic();
          boolean raw = rawPayload(t.name(), req.getMetadataMap());
          Set<String> ids = new HashSet<>();
          List<BulkMessageEntry> entries = new ArrayList<>();
          for (BulkPublishRequestEntry e : req.getEntriesList()) {
            if (e.getEntryId().isEmpty() || !ids.add(e.getEntryId())) {
              throw ApiError.PUBSUB_MARSHAL_EVENTS
                  .exception(
                      "error marshaling events to bytes for topic "
                          + topic
                          + " pubsub "
                          + t.name()
                          + ". error: entryId is duplicated or not present for entry")
                  .withMetadata(
                      Map.of("appID", appId, "error", "entryId is duplicated or not present"));
            }
            Map<String, String> md = new LinkedHashMap<>(req.getMetadataMap());
            md.putAll(e.getMetadataMap());
            byte[] data = e.getEvent().toByteArray();
            String contentType = emptyToNull(e.getContentType());
            if (!raw) {
              data = envelope(t, topic, contentType, data, trace, md);
              contentType = ContentTypes.CLOUD_EVENTS_JSON;
            }
            entries.add(new BulkMessageEntry(e.getEntryId(), data, contentType, md));
          }
          long start = System.nanoTime();
          if (!t.scopes().canPublish(topic)) {
            metrics.pubsubBulkEgress(t.name(), topic, false, 0, 0);
            throw forbidden(t.name(), topic);
          }
          io.tandem.components.pubsub.BulkPublishRequest br =
              new io.tandem.components.pubsub.BulkPublishRequest(
                  topic, entries, req.getMetadataMap());
          return Completions.call(() -> t.pubsub().bulkPublish(br))
              .handle(
                  (res, err) -> {
                    if (err != null) {
                      metrics.pubsubBulkEgress(t.name(), topic, false, 0, millisSince(start));
                      throw publishFailed(t.name(), topic, Completions.message(err));
                    }
                    int failed = res.failedEntries().size();
                    metrics.pubsubBulkEgress(
                        t.name(), topic, failed == 0, entries.size() - failed, millisSince(start));
                    BulkPublishResponse.Builder b = BulkPublishResponse.newBuilder();
                    res.failedEntries()
                        .forEach(
                            f ->
                                b.addFailedEntries(
                                    BulkPublishResponseFailedEntry.newBuilder()
                                        .setEntryId(f.entryId())
                                        .setError(f.error() == null ? "" : f.error())));
                    if (failed > 0) {
                      log.debug(
                          "bulk publish to {}/{}: {} of {} entries failed",
                          t.name(),
                          topic,
                          failed,
                          entries.size());
                    }
                    return b.build();
                  });
        });
  }

  /**
   * The error for a bulk publish some of whose entries failed: over HTTP its code accompanies the
   * failed entries in a 500; over gRPC, as in Dapr, it is the call's status.
   */
  public ApiException partialFailure(String pubsubName, String topic, BulkPublishResponse res) {
    String errors =
        res.getFailedEntriesList().stream()
            .map(BulkPublishResponseFailedEntry::getError)
            .collect(Collectors.joining("\n"));
    return publishFailed(pubsubName, topic, errors);
  }

  /**
   * Publishes a message a subscription could not deliver to its dead-letter topic, as it arrived.
   * Fails when the topic is outside this app's publishing scopes or the broker refuses it.
   */
  CompletionStage<Void> publishDeadLetter(
      String pubsubName,
      String deadLetterTopic,
      byte[] data,
      String contentType,
      Map<String, String> metadata) {
    PubSubs.Target t = pubsubs.get(pubsubName).orElse(null);
    if (t == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("pubsub " + pubsubName + " is not loaded"));
    }
    if (!t.scopes().canPublish(deadLetterTopic)) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "topic " + deadLetterTopic + " is not allowed for app id " + appId));
    }
    return Completions.call(
        () -> t.pubsub().publish(new PublishRequest(deadLetterTopic, data, contentType, metadata)));
  }

  // ---- rules shared by publish and bulk publish

  private PubSubs.Target target(String pubsubName, String topic, Map<String, String> metadata) {
    if (!pubsubs.any()) {
      throw ApiError.PUBSUB_NOT_CONFIGURED.exception("pubsub " + pubsubName + " is not configured");
    }
    if (pubsubName.isEmpty()) {
      throw ApiError.PUBSUB_NAME_EMPTY.exception("pubsub name is empty").withMetadata(metadata);
    }
    PubSubs.Target t =
        pubsubs
            .get(pubsubName)
            .orElseThrow(
                () ->
                    ApiError.PUBSUB_NOT_FOUND
                        .exception("pubsub " + pubsubName + " is not found")
                        .withMetadata(metadata));
    if (topic.isEmpty()) {
      throw ApiError.PUBSUB_TOPIC_EMPTY
          .exception("topic is empty in pubsub " + pubsubName)
          .withMetadata(metadata);
    }
    return t;
  }

  /** The request's {@code rawPayload}, parsed as Go's {@code strconv.ParseBool} does. */
  private static boolean rawPayload(String pubsubName, Map<String, String> metadata) {
    String v = metadata.get(PubSub.RAW_PAYLOAD);
    if (v == null || v.isEmpty()) {
      return false;
    }
    Boolean b = parseBool(v);
    if (b == null) {
      throw ApiError.PUBSUB_REQUEST_METADATA
          .exception(
              "failed deserializing metadata. Error: rawPayload value must be a valid boolean:"
                  + " actual is '"
                  + v
                  + "'")
          .withMetadata(metadata);
    }
    return b;
  }

  /** Go's {@code strconv.ParseBool}; null when {@code v} is none of its spellings. */
  static Boolean parseBool(String v) {
    return switch (v) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default -> null;
    };
  }

  private byte[] envelope(
      PubSubs.Target t,
      String topic,
      String contentType,
      byte[] data,
      Trace trace,
      Map<String, String> metadata) {
    try {
      return CloudEvents.envelope(
          new CloudEvents.Publish(
              appId,
              topic,
              t.name(),
              contentType,
              data,
              trace.traceParent(),
              trace.traceState(),
              metadata,
              t.pubsub().features().contains(PubSub.FEATURE_MESSAGE_TTL)),
          clock);
    } catch (CloudEventException e) {
      log.debug("cannot create a CloudEvent for {}/{}: {}", t.name(), topic, e.getMessage());
      throw ApiError.PUBSUB_CLOUD_EVENTS_SER
          .exception("cannot create cloudevent")
          .withMetadata(Map.of("appID", appId, "error", e.getMessage()));
    }
  }

  private ApiException forbidden(String pubsubName, String topic) {
    String why = "topic " + topic + " is not allowed for app id " + appId;
    return ApiError.PUBSUB_FORBIDDEN
        .exception(why)
        .withMetadata(Map.of("topic", topic, "error", why));
  }

  private static ApiException publishFailed(String pubsubName, String topic, String error) {
    return ApiError.PUBSUB_PUBLISH_MESSAGE
        .exception(
            "error when publishing to topic " + topic + " in pubsub " + pubsubName + ": " + error)
        .withMetadata(Map.of("topic", topic, "error", error));
  }

  private static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
