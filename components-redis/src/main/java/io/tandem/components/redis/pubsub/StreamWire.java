package io.tandem.components.redis.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.PublishRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a message looks in a Redis stream, the same for Dapr and Tandem so that their publishers and
 * subscribers mix on one Redis: one stream per topic, the stream key being the topic name; each
 * entry has the field {@code data} (the payload bytes, unchanged) and the field {@code metadata}
 * (the publish request's metadata as a JSON object of strings). Nothing else is written; other
 * fields are ignored when reading.
 */
final class StreamWire {
  static final String DATA = "data";
  static final String METADATA = "metadata";

  private StreamWire() {}

  /**
   * The arguments of the {@code XADD} that publishes {@code request}: the stream, the trimming
   * ({@code MAXLEN ~} when {@code maxLenApprox} is set, else {@code MINID ~} when {@code streamTtl}
   * is), an id chosen by Redis, and the two fields.
   */
  static List<Object> xaddArgs(
      PublishRequest request, long maxLenApprox, Duration streamTtl, long nowMillis) {
    List<Object> args = new ArrayList<>();
    args.add(request.topic());
    if (maxLenApprox > 0) {
      args.add("MAXLEN");
      args.add("~");
      args.add(Long.toString(maxLenApprox));
    } else if (!streamTtl.isZero()) {
      args.add("MINID");
      args.add("~");
      args.add(minId(streamTtl, nowMillis));
    }
    args.add("*");
    args.add(DATA);
    args.add(request.data());
    args.add(METADATA);
    args.add(metadataJson(request.metadata()));
    return args;
  }

  /** The smallest id an entry younger than {@code ttl} can have. */
  static String minId(Duration ttl, long nowMillis) {
    return Math.max(0, nowMillis - ttl.toMillis()) + "-0";
  }

  static String metadataJson(Map<String, String> metadata) {
    JsonObject o = new JsonObject();
    new TreeMap<>(metadata).forEach(o::put);
    return o.encode();
  }

  /**
   * The message an entry holds: {@code data} (empty when missing) and the {@code metadata} JSON.
   *
   * @throws IllegalArgumentException when {@code metadata} is not a JSON object; the message is
   *     still usable without it
   */
  static Message message(String topic, Map<String, byte[]> fields) {
    byte[] data = fields.getOrDefault(DATA, new byte[0]);
    byte[] md = fields.get(METADATA);
    return new Message(topic, data, null, md == null ? Map.of() : parseMetadata(md));
  }

  static Map<String, String> parseMetadata(byte[] json) {
    String text = new String(json, UTF_8);
    if (text.isBlank() || text.equals("null")) {
      return Map.of();
    }
    JsonObject o;
    try {
      o = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("the metadata field is not a JSON object", e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o) {
      if (e.getValue() != null) {
        out.put(e.getKey(), String.valueOf(e.getValue()));
      }
    }
    return out;
  }
}
