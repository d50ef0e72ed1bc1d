package io.tandem.components.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KafkaRecordsTest {

  @Test
  void partitionKeyBecomesTheKeyAndTheRestHeaders() {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("partitionKey", "k1");
    md.put("correlationId", "c-9");
    ProducerRecord<byte[], byte[]> r = KafkaRecords.record("t", "x".getBytes(UTF_8), md);

    assertThat(new String(r.key(), UTF_8)).isEqualTo("k1");
    assertThat(r.headers().toArray()).hasSize(1);
    assertThat(new String(r.headers().lastHeader("correlationId").value(), UTF_8)).isEqualTo("c-9");
  }

  @Test
  void underscoreKeyIsTheKeyToo() {
    ProducerRecord<byte[], byte[]> r =
        KafkaRecords.record("t", new byte[] {1}, Map.of("__key", "k2"));
    assertThat(new String(r.key(), UTF_8)).isEqualTo("k2");
    assertThat(r.headers().toArray()).isEmpty();
  }

  @Test
  void nullDataIsATombstoneBothWays() {
    ProducerRecord<byte[], byte[]> r = KafkaRecords.record("t", "null".getBytes(UTF_8), Map.of());
    assertThat(r.value()).isNull();
    assertThat(r.key()).isNull();

    ConsumerRecord<byte[], byte[]> in = consumed(null, null, new RecordHeaders());
    assertThat(new String(KafkaRecords.value(in), UTF_8)).isEqualTo("null");
  }

  @Test
  void consumedMetadataIsTheHeadersPlusDaprsUnderscoreKeys() {
    RecordHeaders h = new RecordHeaders();
    h.add("correlationId", "c-1".getBytes(UTF_8));
    ConsumerRecord<byte[], byte[]> in = consumed("k".getBytes(UTF_8), "v".getBytes(UTF_8), h);

    assertThat(KafkaRecords.metadata(in, false))
        .containsEntry("correlationId", "c-1")
        .containsEntry("__key", "k")
        .containsEntry("__topic", "orders")
        .containsEntry("__partition", "3")
        .containsEntry("__offset", "42")
        .containsEntry("__timestamp", "1700000000000");
  }

  @Test
  void escapeHeadersEscapesAsGoQueryEscape() {
    assertThat(KafkaRecords.queryEscape("a b/c?d=é~_.-")).isEqualTo("a+b%2Fc%3Fd%3D%C3%A9~_.-");
    assertThat(KafkaRecords.queryEscape("plain")).isEqualTo("plain");
    RecordHeaders h = new RecordHeaders();
    h.add("x", "line\nbreak".getBytes(UTF_8));
    assertThat(KafkaRecords.metadata(consumed(null, new byte[0], h), true))
        .containsEntry("x", "line%0Abreak");
  }

  @Test
  void topicNamesFollowKafkasRule() {
    assertThat(KafkaRecords.topicProblem("orders.v1_a-b")).isNull();
    assertThat(KafkaRecords.topicProblem("")).isNotNull();
    assertThat(KafkaRecords.topicProblem("..")).isNotNull();
    assertThat(KafkaRecords.topicProblem("has space")).contains("not a valid Kafka topic");
    assertThat(KafkaRecords.topicProblem("x".repeat(250))).isNotNull();
  }

  private static ConsumerRecord<byte[], byte[]> consumed(
      byte[] key, byte[] value, RecordHeaders headers) {
    return new ConsumerRecord<>(
        "orders",
        3,
        42,
        1_700_000_000_000L,
        TimestampType.CREATE_TIME,
        key == null ? -1 : key.length,
        value == null ? -1 : value.length,
        key,
        value,
        headers,
        Optional.empty());
  }
}
