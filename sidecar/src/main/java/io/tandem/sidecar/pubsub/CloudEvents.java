package io.tandem.sidecar.pubsub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import io.tandem.sidecar.appchannel.ContentTypes;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The CloudEvents 1.0 envelopes of Dapr's pub/sub, as pure functions: the envelope a publish wraps
 * around its payload (built with the CloudEvents SDK), the completion of an envelope the publisher
 * sent itself, the envelope a subscriber with {@code rawPayload} receives, and the expiry check.
 *
 * <p>Besides the core attributes, Dapr's envelopes carry the extensions {@code topic}, {@code
 * pubsubname}, {@code traceid} and {@code traceparent} (the same W3C value), {@code tracestate},
 * and {@code expiration} when a TTL is set and the broker does not enforce TTLs itself.
 */
public final class CloudEvents {
  public static final String SPEC_VERSION = "1.0";
  public static final String DEFAULT_TYPE = "com.dapr.event.sent";
  public static final String DEFAULT_SOURCE = "Dapr";

  /** Request metadata prefix that overrides envelope attributes ({@code cloudevent.id}...). */
  public static final String OVERRIDE_PREFIX = "cloudevent.";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat FORMAT = new JsonFormat();

  private CloudEvents() {}

  /**
   * What a publish puts around its payload.
   *
   * @param source the publishing app's id (the envelope's {@code source})
   * @param contentType the payload's media type; {@code text/plain} when empty
   * @param traceParent the W3C {@code traceparent} of the publish, or empty
   * @param metadata the request metadata: {@code cloudevent.*} overrides and {@code ttlInSeconds}
   * @param brokerHandlesTtl the broker enforces TTLs, so no {@code expiration} is added
   */
  public record Publish(
      String source,
      String topic,
      String pubsubName,
      String contentType,
      byte[] data,
      String traceParent,
      String traceState,
      Map<String, String> metadata,
      boolean brokerHandlesTtl) {}

  /**
   * The envelope for a publish: the payload wrapped in a new CloudEvent, or, when the payload is
   * already {@code application/cloudevents+json}, that event completed with what it lacks.
   *
   * @throws CloudEventException when the payload claims to be a CloudEvent but is not a JSON
   *     object, or an override makes the envelope invalid
   */
  public static byte[] envelope(Publish p, Clock clock) throws CloudEventException {
    ObjectNode event =
        ContentTypes.isCloudEvent(p.contentType()) ? complete(p, clock) : wrap(p, clock);
    ttl(p.metadata(), clock)
        .filter(e -> !p.brokerHandlesTtl())
        .ifPresent(e -> event.put("expiration", e));
    try {
      return JSON.writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      throw new CloudEventException("cannot serialise the CloudEvent: " + e.getMessage(), e);
    }
  }

  private static ObjectNode wrap(Publish p, Clock clock) throws CloudEventException {
    Map<String, String> overrides = overrides(p.metadata());
    String contentType =
        p.contentType() == null || p.contentType().isEmpty()
            ? ContentTypes.TEXT_PLAIN
            : p.contentType();
    String trace = overrides.getOrDefault("traceid", nullToEmpty(p.traceParent()));
    if (!overrides.getOrDefault("traceparent", "").isEmpty()) {
      trace = overrides.get("traceparent");
    }
    CloudEventBuilder b =
        CloudEventBuilder.v1()
            .withId(orDefault(overrides.get("id"), UUID.randomUUID().toString()))
            .withSource(
                uri(orDefault(overrides.get("source"), orDefault(p.source(), DEFAULT_SOURCE))))
            .withType(orDefault(overrides.get("type"), DEFAULT_TYPE))
            .withDataContentType(contentType)
            .withTime(now(clock))
            .withExtension("topic", p.topic())
            .withExtension("pubsubname", p.pubsubName())
            .withExtension("traceid", trace)
            .withExtension("traceparent", trace)
            .withExtension(
                "tracestate", overrides.getOrDefault("tracestate", nullToEmpty(p.traceState())));
    if (!orDefault(overrides.get("subject"), "").isEmpty()) {
      b.withSubject(overrides.get("subject"));
    }
    byte[] data = p.data() == null ? new byte[0] : p.data();
    if (ContentTypes.isBinary(contentType)) {
      b.withData(data);
    } else if (ContentTypes.isJson(contentType) && parseOrNull(data) != null) {
      b.withData(JsonCloudEventData.wrap(parseOrNull(data)));
    } else {
      // text, other types, and JSON that does not parse travel as a string, as in Dapr
      b.withData(
          JsonCloudEventData.wrap(TextNode.valueOf(new String(data, StandardCharsets.UTF_8))));
    }
    CloudEvent event;
    try {
      event = b.build();
    } catch (RuntimeException e) {
      throw new CloudEventException("cannot create the CloudEvent: " + e.getMessage(), e);
    }
    return toTree(event);
  }

  /** Dapr's completion of a publisher's own CloudEvent. */
  private static ObjectNode complete(Publish p, Clock clock) throws CloudEventException {
    JsonNode parsed;
    try {
      parsed = JSON.readTree(p.data() == null ? new byte[0] : p.data());
    } catch (IOException e) {
      throw new CloudEventException("the body is not a JSON CloudEvent: " + e.getMessage(), e);
    }
    if (parsed == null || !parsed.isObject()) {
      throw new CloudEventException("the body is not a JSON CloudEvent: not a JSON object");
    }
    ObjectNode ce = (ObjectNode) parsed;
    if (!ce.has("time")) {
      ce.put("time", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(now(clock)));
    }
    if (!ce.has("traceid")) {
      ce.put("traceid", nullToEmpty(p.traceParent()));
      ce.put("traceparent", nullToEmpty(p.traceParent()));
    }
    if (!ce.has("tracestate")) {
      ce.put("tracestate", nullToEmpty(p.traceState()));
    }
    ce.put("topic", p.topic());
    ce.put("pubsubname", p.pubsubName());
    if (ce.path("source").isNull() || ce.path("source").isMissingNode()) {
      ce.put("source", DEFAULT_SOURCE);
    }
    if (ce.path("type").isNull() || ce.path("type").isMissingNode()) {
      ce.put("type", DEFAULT_TYPE);
    }
    if (ce.path("specversion").isNull() || ce.path("specversion").isMissingNode()) {
      ce.put("specversion", SPEC_VERSION);
    }
    // Dapr leaves a missing id alone; a CloudEvent needs one, and so do streaming acknowledgements
    if (ce.path("id").isNull() || ce.path("id").isMissingNode()) {
      ce.put("id", UUID.randomUUID().toString());
    }
    return ce;
  }

  /**
   * What a subscriber with {@code rawPayload} receives: the raw message in a new CloudEvent, as
   * {@code data_base64} since its type is unknown; trace attributes come from the message metadata.
   */
  public static ObjectNode fromRawPayload(
      byte[] data, String topic, String pubsubName, Map<String, String> messageMetadata) {
    CloudEventBuilder b =
        CloudEventBuilder.v1()
            .withId(UUID.randomUUID().toString())
            .withSource(URI.create(DEFAULT_SOURCE))
            .withType(DEFAULT_TYPE)
            .withDataContentType(ContentTypes.OCTET_STREAM)
            .withExtension("topic", topic)
            .withExtension("pubsubname", pubsubName)
            .withData(data == null ? new byte[0] : data);
    String traceParent = messageMetadata.get("traceparent");
    String traceId = traceParent != null ? traceParent : messageMetadata.get("traceid");
    if (traceId != null) {
      b.withExtension("traceid", traceId);
    }
    if (traceParent != null) {
      b.withExtension("traceparent", traceParent);
    }
    if (messageMetadata.get("tracestate") != null) {
      b.withExtension("tracestate", messageMetadata.get("tracestate"));
    }
    try {
      return toTree(b.build());
    } catch (CloudEventException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the event's {@code expiration} (RFC 3339) has passed; false without one. */
  public static boolean hasExpired(JsonNode cloudEvent, Instant now) {
    JsonNode e = cloudEvent.path("expiration");
    if (!e.isTextual() || e.asText().isEmpty()) {
      return false;
    }
    try {
      return OffsetDateTime.parse(e.asText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant()
          .isBefore(now);
    } catch (DateTimeParseException ex) {
      return false;
    }
  }

  /**
   * The request's {@code ttlInSeconds} as an expiry time, when it is a positive integer; anything
   * else is ignored, as Dapr does.
   */
  static java.util.Optional<String> ttl(Map<String, String> metadata, Clock clock) {
    String v = null;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (e.getKey().equalsIgnoreCase("ttlInSeconds")) {
        v = e.getValue();
      }
    }
    if (v == null || v.isBlank()) {
      return java.util.Optional.empty();
    }
    long seconds;
    try {
      seconds = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return java.util.Optional.empty();
    }
    if (seconds <= 0) {
      return java.util.Optional.empty();
    }
    OffsetDateTime expiry =
        Instant.now(clock)
            .plusSeconds(Math.min(seconds, 100L * 365 * 24 * 3600))
            .atOffset(ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.SECONDS);
    return java.util.Optional.of(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(expiry));
  }

  /** The {@code cloudevent.*} overrides, by lower-case attribute name. */
  private static Map<String, String> overrides(Map<String, String> metadata) {
    Map<String, String> out = new TreeMap<>();
    metadata.forEach(
        (k, v) -> {
          String key = k.toLowerCase(Locale.ROOT);
          if (key.startsWith(OVERRIDE_PREFIX)) {
            out.put(key.substring(OVERRIDE_PREFIX.length()), v == null ? "" : v);
          }
        });
    return out;
  }

  private static ObjectNode toTree(CloudEvent event) throws CloudEventException {
    try {
      return (ObjectNode) JSON.readTree(FORMAT.serialize(event));
    } catch (IOException | RuntimeException e) {
      throw new CloudEventException("cannot serialise the CloudEvent: " + e.getMessage(), e);
    }
  }

  private static JsonNode parseOrNull(byte[] data) {
    if (data.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(data);
    } catch (IOException e) {
      return null;
    }
  }

  private static URI uri(String s) throws CloudEventException {
    try {
      return new URI(s);
    } catch (URISyntaxException e) {
      throw new CloudEventException("the CloudEvent source is not a URI reference: " + s, e);
    }
  }

  private static OffsetDateTime now(Clock clock) {
    return OffsetDateTime.now(clock)
        .withOffsetSameInstant(ZoneOffset.UTC)
        .truncatedTo(ChronoUnit.SECONDS);
  }

  private static String orDefault(String v, String d) {
    return v == null || v.isEmpty() ? d : v;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
