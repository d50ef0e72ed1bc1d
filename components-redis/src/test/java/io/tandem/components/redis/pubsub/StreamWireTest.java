package io.tandem.components.redis.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.PublishRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamWireTest {
  private static final byte[] DATA = {1, 2, (byte) 0xFF};
  private static final PublishRequest REQ =
      new PublishRequest("orders", DATA, "application/json", Map.of("ttlInSeconds", "30"));

  @Test
  void anEntryHasDataAndMetadataAsDaprWritesThem() {
    List<Object> args = StreamWire.xaddArgs(REQ, 0, Duration.ZERO, 0);
    assertThat(args).hasSize(6);
    assertThat(args.subList(0, 3)).containsExactly("orders", "*", "data");
    assertThat((byte[]) args.get(3)).containsExactly(DATA);
    assertThat(args.subList(4, 6)).containsExactly("metadata", "{\"ttlInSeconds\":\"30\"}");
  }

  @Test
  void emptyMetadataIsAnEmptyObject() {
    PublishRequest r = new PublishRequest("t", DATA, null, Map.of());
    assertThat(StreamWire.xaddArgs(r, 0, Duration.ZERO, 0)).contains("{}");
  }

  @Test
  void maxLenApproxTrimsByLength() {
    assertThat(StreamWire.xaddArgs(REQ, 500, Duration.ofSeconds(5), 0).subList(0, 5))
        .containsExactly("orders", "MAXLEN", "~", "500", "*");
  }

  @Test
  void streamTtlTrimsByAge() {
    assertThat(StreamWire.xaddArgs(REQ, 0, Duration.ofSeconds(5), 60_000).subList(0, 5))
        .containsExactly("orders", "MINID", "~", "55000-0", "*");
    assertThat(StreamWire.minId(Duration.ofDays(1), 1000)).isEqualTo("0-0");
  }

  @Test
  void anEntryReadsBackAsTheMessage() {
    Message m =
        StreamWire.message(
            "orders",
            Map.of(
                "data",
                DATA,
                "metadata",
                "{\"a\":\"1\",\"n\":2}".getBytes(UTF_8),
                "other",
                new byte[] {9}));
    assertThat(m.topic()).isEqualTo("orders");
    assertThat(m.data()).containsExactly(DATA);
    assertThat(m.contentType()).isNull();
    assertThat(m.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "n", "2"));
  }

  @Test
  void anEntryWithoutMetadataHasNone() {
    Message m = StreamWire.message("orders", Map.of("data", DATA));
    assertThat(m.metadata()).isEmpty();
    assertThat(StreamWire.message("orders", Map.of()).data()).isEmpty();
  }

  @Test
  void unreadableMetadataIsReported() {
    assertThatThrownBy(
            () ->
                StreamWire.message(
                    "orders", Map.of("data", DATA, "metadata", "[1]".getBytes(UTF_8))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
