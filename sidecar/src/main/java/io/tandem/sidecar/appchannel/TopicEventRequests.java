package io.tandem.sidecar.appchannel;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A CloudEvent as the gRPC {@code TopicEventRequest} carries it, with Dapr's rules: {@code
 * data_base64} decoded; string data as its text for {@code text/*} and XML; JSON data as JSON text
 * for JSON and CloudEvent types; every attribute but the core ones in {@code extensions}.
 */
public final class TopicEventRequests {
  private static final Set<String> CORE =
      Set.of("id", "source", "datacontenttype", "type", "specversion", "data", "data_base64");

  private TopicEventRequests() {}

  /**
   * @throws IllegalArgumentException when {@code data_base64} is not base64, or string content has
   *     non-string data
   */
  public static TopicEventRequest of(JsonNode ce, String topic, String pubsubName, String path) {
    String contentType = text(ce, "datacontenttype");
    TopicEventRequest.Builder b =
        TopicEventRequest.newBuilder()
            .setId(text(ce, "id"))
            .setSource(text(ce, "source"))
            .setType(text(ce, "type"))
            .setSpecVersion(text(ce, "specversion"))
            .setDataContentType(contentType)
            .setTopic(topic)
            .setPubsubName(pubsubName)
            .setPath(path);
    JsonNode b64 = ce.get("data_base64");
    JsonNode data = ce.get("data");
    if (b64 != null && !b64.isNull()) {
      if (!b64.isTextual()) {
        throw new IllegalArgumentException("data_base64 is not a string");
      }
      b.setData(ByteString.copyFrom(Base64.getDecoder().decode(b64.asText())));
    } else if (data != null && !data.isNull()) {
      if (ContentTypes.isString(contentType)) {
        if (!data.isTextual()) {
          throw new IllegalArgumentException("unexpected data type encountered in envelope");
        }
        b.setData(ByteString.copyFrom(data.asText(), StandardCharsets.UTF_8));
      } else if (ContentTypes.isJson(contentType) || ContentTypes.isCloudEvent(contentType)) {
        b.setData(ByteString.copyFrom(data.toString(), StandardCharsets.UTF_8));
      }
    }
    Struct.Builder ext = Struct.newBuilder();
    Iterator<Map.Entry<String, JsonNode>> it = ce.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!CORE.contains(f.getKey())) {
        ext.putFields(f.getKey(), value(f.getValue()));
      }
    }
    return b.setExtensions(ext).build();
  }

  private static String text(JsonNode ce, String field) {
    JsonNode n = ce.get(field);
    return n != null && n.isTextual() ? n.asText() : "";
  }

  private static Value value(JsonNode n) {
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
