package io.tandem.sidecar.appchannel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventCERequest;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** A CloudEvent (JSON) as the gRPC callback messages carry it. */
final class CloudEventProtos {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> CORE =
      Set.of(
          "id",
          "source",
          "type",
          "specversion",
          "datacontenttype",
          "data",
          "data_base64",
          "topic",
          "pubsubname");

  private CloudEventProtos() {}

  static TopicEventRequest topicEvent(TopicEvent e) {
    TopicEventRequest.Builder b =
        TopicEventRequest.newBuilder()
            .setTopic(e.topic())
            .setPubsubName(e.pubsubName())
            .setPath(e.route());
    if (e.raw()) {
      return b.setId(UUID.randomUUID().toString())
          .setSpecVersion("1.0")
          .setDataContentType(
              e.contentType() == null ? "application/octet-stream" : e.contentType())
          .setData(ByteString.copyFrom(e.cloudEvent()))
          .build();
    }
    JsonNode ce = parse(e.cloudEvent());
    return b.setId(ce.path("id").asText(""))
        .setSource(ce.path("source").asText(""))
        .setType(ce.path("type").asText(""))
        .setSpecVersion(ce.path("specversion").asText("1.0"))
        .setDataContentType(ce.path("datacontenttype").asText(""))
        .setData(data(ce))
        .setExtensions(extensions(ce))
        .build();
  }

  static TopicEventCERequest cloudEvent(byte[] bytes) {
    JsonNode ce = parse(bytes);
    return TopicEventCERequest.newBuilder()
        .setId(ce.path("id").asText(""))
        .setSource(ce.path("source").asText(""))
        .setType(ce.path("type").asText(""))
        .setSpecVersion(ce.path("specversion").asText("1.0"))
        .setDataContentType(ce.path("datacontenttype").asText(""))
        .setData(data(ce))
        .setExtensions(extensions(ce))
        .build();
  }

  private static JsonNode parse(byte[] bytes) {
    try {
      JsonNode n = JSON.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("a CloudEvent must be a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new IllegalArgumentException("not a CloudEvent: " + e.getMessage(), e);
    }
  }

  /** The event's data as bytes: decoded base64, a string's text, or other JSON as JSON text. */
  static ByteString data(JsonNode ce) {
    if (ce.hasNonNull("data_base64")) {
      return ByteString.copyFrom(Base64.getDecoder().decode(ce.get("data_base64").asText()));
    }
    JsonNode data = ce.get("data");
    if (data == null || data.isNull()) {
      return ByteString.EMPTY;
    }
    if (data.isTextual()) {
      return ByteString.copyFrom(data.asText(), StandardCharsets.UTF_8);
    }
    return ByteString.copyFrom(data.toString(), StandardCharsets.UTF_8);
  }

  private static Struct extensions(JsonNode ce) {
    Struct.Builder s = Struct.newBuilder();
    Iterator<Map.Entry<String, JsonNode>> it = ce.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!CORE.contains(f.getKey())) {
        s.putFields(f.getKey(), value(f.getValue()));
      }
    }
    return s.build();
  }

  static Value value(JsonNode n) {
    if (n == null || n.isNull()) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    if (n.isBoolean()) {
      return Value.newBuilder().setBoolValue(n.asBoolean()).build();
    }
    if (n.isNumber()) {
      return Value.newBuilder().setNumberValue(n.asDouble()).build();
    }
    if (n.isTextual()) {
      return Value.newBuilder().setStringValue(n.asText()).build();
    }
    if (n.isArray()) {
      ListValue.Builder l = ListValue.newBuilder();
      n.forEach(x -> l.addValues(value(x)));
      return Value.newBuilder().setListValue(l).build();
    }
    Struct.Builder s = Struct.newBuilder();
    n.fields().forEachRemaining(f -> s.putFields(f.getKey(), value(f.getValue())));
    return Value.newBuilder().setStructValue(s).build();
  }
}
