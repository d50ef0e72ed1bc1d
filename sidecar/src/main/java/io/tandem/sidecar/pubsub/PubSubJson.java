package io.tandem.sidecar.pubsub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscription;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscriptionRule;
import io.dapr.v1.DaprPubsubProtos.BulkPublishRequest;
import io.dapr.v1.DaprPubsubProtos.BulkPublishRequestEntry;
import io.dapr.v1.DaprPubsubProtos.BulkPublishResponse;
import io.dapr.v1.DaprPubsubProtos.BulkPublishResponseFailedEntry;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.appchannel.ContentTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The pub/sub API's JSON bodies over HTTP: the bulk publish request and answer, metadata lists. */
public final class PubSubJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PubSubJson() {}

  /**
   * A bulk publish body: a JSON array of {@code {entryId, event, contentType, metadata}}, each
   * event turned into bytes per its content type as Dapr does (base64 text for {@code
   * application/octet-stream}, a string for text types, any JSON for JSON and CloudEvents).
   */
  public static BulkPublishRequest bulkRequest(
      String pubsubName, String topic, byte[] body, Map<String, String> metadata) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw unmarshal(pubsubName, topic, e.getMessage());
    }
    if (root == null || !root.isArray()) {
      throw unmarshal(pubsubName, topic, "the body is not a JSON array of entries");
    }
    BulkPublishRequest.Builder b =
        BulkPublishRequest.newBuilder()
            .setPubsubName(pubsubName)
            .setTopic(topic)
            .putAllMetadata(metadata);
    for (JsonNode e : root) {
      if (!e.isObject()) {
        throw unmarshal(pubsubName, topic, "an entry is not a JSON object");
      }
      String contentType = e.path("contentType").asText("");
      BulkPublishRequestEntry.Builder entry =
          BulkPublishRequestEntry.newBuilder()
              .setEntryId(e.path("entryId").asText(""))
              .setContentType(contentType)
              .setEvent(
                  ByteString.copyFrom(eventBytes(pubsubName, topic, e.get("event"), contentType)));
      JsonNode md = e.path("metadata");
      if (md.isObject()) {
        Iterator<Map.Entry<String, JsonNode>> it = md.fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> f = it.next();
          entry.putMetadata(
              f.getKey(),
              f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString());
        }
      }
      b.addEntries(entry);
    }
    return b.build();
  }

  private static byte[] eventBytes(
      String pubsubName, String topic, JsonNode event, String contentType) {
    if (ContentTypes.isBinary(contentType)) {
      if (event == null || !event.isTextual()) {
        throw mismatch(pubsubName, topic);
      }
      try {
        return Base64.getDecoder().decode(event.asText());
      } catch (IllegalArgumentException ex) {
        throw envelope(
            pubsubName,
            topic,
            "error: unable to decode base64 application/octect-stream data: " + ex.getMessage());
      }
    }
    if (ContentTypes.isString(contentType)) {
      if (event == null || !event.isTextual()) {
        throw mismatch(pubsubName, topic);
      }
      return event.asText().getBytes(StandardCharsets.UTF_8);
    }
    if (ContentTypes.isJson(contentType) || ContentTypes.isCloudEvent(contentType)) {
      return (event == null ? "null" : event.toString()).getBytes(StandardCharsets.UTF_8);
    }
    throw mismatch(pubsubName, topic);
  }

  /** Dapr's answer to a bulk publish some of whose entries failed: the entries and the code. */
  public static String bulkFailure(BulkPublishResponse res, String errorCode) {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode failed = o.putArray("failedEntries");
    for (BulkPublishResponseFailedEntry f : res.getFailedEntriesList()) {
      ObjectNode e = failed.addObject();
      e.put("entryId", f.getEntryId());
      if (!f.getError().isEmpty()) {
        e.put("error", f.getError());
      }
    }
    o.put("errorCode", errorCode);
    return o.toString();
  }

  /** The {@code subscriptions} of {@code GET /v1.0/metadata}, in Dapr's JSON shape. */
  public static void subscriptions(ArrayNode into, List<PubsubSubscription> subscriptions) {
    for (PubsubSubscription s : subscriptions) {
      ObjectNode o = into.addObject();
      o.put("pubsubname", s.getPubsubName());
      o.put("topic", s.getTopic());
      if (s.getMetadataCount() > 0) {
        ObjectNode md = o.putObject("metadata");
        new TreeMap<>(s.getMetadataMap()).forEach(md::put);
      }
      if (s.getRules().getRulesCount() > 0) {
        ArrayNode rules = o.putArray("rules");
        for (PubsubSubscriptionRule r : s.getRules().getRulesList()) {
          ObjectNode ro = rules.addObject();
          if (!r.getMatch().isEmpty()) {
            ro.put("match", r.getMatch());
          }
          if (!r.getPath().isEmpty()) {
            ro.put("path", r.getPath());
          }
        }
      }
      o.put("deadLetterTopic", s.getDeadLetterTopic());
      o.put("type", s.getType().name());
    }
  }

  private static ApiException unmarshal(String pubsubName, String topic, String why) {
    return ApiError.PUBSUB_UNMARSHAL_EVENTS.exception(
        "error when unmarshaling the request for topic "
            + topic
            + " pubsub "
            + pubsubName
            + ": "
            + why);
  }

  private static ApiException mismatch(String pubsubName, String topic) {
    return envelope(pubsubName, topic, "error: mismatch between contentType and event");
  }

  private static ApiException envelope(String pubsubName, String topic, String why) {
    return ApiError.PUBSUB_MARSHAL_ENVELOPE
        .exception(
            "error when marshalling cloud event envelope for topic "
                + topic
                + " pubsub "
                + pubsubName
                + ": "
                + why)
        .withMetadata(Map.of("error", why));
  }
}
