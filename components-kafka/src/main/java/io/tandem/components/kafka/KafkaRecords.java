package io.tandem.components.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Dapr's mapping between request metadata and Kafka records. Publishing: {@code partitionKey} (or
 * {@code __key}) becomes the record key, every other entry a header. Consuming: the headers become
 * the message metadata, plus {@code __key}, {@code __topic}, {@code __partition}, {@code __offset}
 * and {@code __timestamp} (milliseconds since the epoch).
 */
final class KafkaRecords {
  static final String PARTITION_KEY = "partitionKey";
  static final String KEY = "__key";
  static final String TOPIC = "__topic";
  static final String PARTITION = "__partition";
  static final String OFFSET = "__offset";
  static final String TIMESTAMP = "__timestamp";

  private static final byte[] NULL_JSON = "null".getBytes(UTF_8);

  private KafkaRecords() {}

  /**
   * The record to send. Data that is exactly {@code null} (JSON's null) becomes a tombstone, as
   * Dapr sends it.
   */
  static ProducerRecord<byte[], byte[]> record(
      String topic, byte[] data, Map<String, String> metadata) {
    String key = metadata.get(PARTITION_KEY);
    if (key == null || key.isEmpty()) {
      key = metadata.get(KEY);
    }
    RecordHeaders headers = new RecordHeaders();
    metadata.forEach(
        (k, v) -> {
          if (!k.equals(PARTITION_KEY) && !k.equals(KEY)) {
            headers.add(k, v == null ? new byte[0] : v.getBytes(UTF_8));
          }
        });
    byte[] value = Arrays.equals(data, NULL_JSON) ? null : data;
    return new ProducerRecord<>(
        topic, null, key == null || key.isEmpty() ? null : key.getBytes(UTF_8), value, headers);
  }

  /** The record's value; a tombstone reads as JSON's {@code null}, as in Dapr. */
  static byte[] value(ConsumerRecord<byte[], byte[]> r) {
    return r.value() == null ? NULL_JSON.clone() : r.value();
  }

  /** The metadata a subscriber receives with the record. */
  static Map<String, String> metadata(ConsumerRecord<byte[], byte[]> r, boolean escape) {
    Map<String, String> md = new LinkedHashMap<>();
    for (Header h : r.headers()) {
      String v = h.value() == null ? "" : new String(h.value(), UTF_8);
      md.put(h.key(), escape ? queryEscape(v) : v);
    }
    if (r.key() != null) {
      String k = new String(r.key(), UTF_8);
      md.put(KEY, escape ? queryEscape(k) : k);
    }
    md.put(TOPIC, r.topic());
    md.put(PARTITION, Integer.toString(r.partition()));
    md.put(OFFSET, Long.toString(r.offset()));
    md.put(TIMESTAMP, Long.toString(r.timestamp()));
    return md;
  }

  /** {@code s} escaped as Go's {@code url.QueryEscape} does, which Dapr's escapeHeaders uses. */
  static String queryEscape(String s) {
    StringBuilder out = null;
    byte[] bytes = s.getBytes(UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xFF;
      boolean plain =
          (b >= 'a' && b <= 'z')
              || (b >= 'A' && b <= 'Z')
              || (b >= '0' && b <= '9')
              || b == '-'
              || b == '_'
              || b == '.'
              || b == '~';
      if (plain && out == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(bytes.length + 16);
        out.append(new String(bytes, 0, i, UTF_8));
      }
      if (plain) {
        out.append((char) b);
      } else if (b == ' ') {
        out.append('+');
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
      }
    }
    return out == null ? s : out.toString();
  }

  /** Kafka's rule for topic names: 1 to 249 of {@code [a-zA-Z0-9._-]}, not "." nor "..". */
  static String topicProblem(String topic) {
    if (topic == null || topic.isEmpty()) {
      return "the topic is empty";
    }
    if (topic.equals(".") || topic.equals("..")) {
      return "a Kafka topic cannot be named '" + topic + "'";
    }
    if (topic.length() > 249) {
      return "a Kafka topic name has at most 249 characters";
    }
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return "'"
            + topic
            + "' is not a valid Kafka topic name (letters, digits, '.', '_' and '-' only)";
      }
    }
    return null;
  }
}
