package io.tandem.sidecar.appchannel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventCERequest;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventRequest;
import java.io.IOException;
import java.util.UUID;

/** A CloudEvent (JSON) as the gRPC callback messages carry it. */
final class CloudEventProtos {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CloudEventProtos() {}

  static TopicEventRequest topicEvent(TopicEvent e) {
    if (e.raw()) {
      return TopicEventRequest.newBuilder()
          .setTopic(e.topic())
          .setPubsubName(e.pubsubName())
          .setPath(e.route())
          .setId(UUID.randomUUID().toString())
          .setSpecVersion("1.0")
          .setDataContentType(
              e.contentType() == null ? "application/octet-stream" : e.contentType())
          .setData(ByteString.copyFrom(e.cloudEvent()))
          .build();
    }
    return TopicEventRequests.of(parse(e.cloudEvent()), e.topic(), e.pubsubName(), e.route());
  }

  /** One entry of a bulk delivery: the same fields as a single event, without routing. */
  static TopicEventCERequest cloudEvent(byte[] bytes) {
    TopicEventRequest r = TopicEventRequests.of(parse(bytes), "", "", "");
    return TopicEventCERequest.newBuilder()
        .setId(r.getId())
        .setSource(r.getSource())
        .setType(r.getType())
        .setSpecVersion(r.getSpecVersion())
        .setDataContentType(r.getDataContentType())
        .setData(r.getData())
        .setExtensions(r.getExtensions())
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
}
