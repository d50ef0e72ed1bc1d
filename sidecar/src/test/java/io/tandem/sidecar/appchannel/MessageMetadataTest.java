package io.tandem.sidecar.appchannel;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageMetadataTest {

  static Map<String, String> kafkaMessage() {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("__key", "k1");
    md.put("__topic", "orders");
    md.put("__partition", "2");
    md.put("__offset", "41");
    md.put("__timestamp", "1700000000000");
    md.put("correlationId", "c-42");
    md.put("pubsubName", "pubsub");
    return md;
  }

  static String grpc(Metadata md, String name) {
    return md.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
  }

  @Test
  void brokerMetadataBecomesLowerCasedHttpHeaders() {
    MultiMap h = MessageMetadata.httpHeaders(kafkaMessage());

    assertThat(h.names())
        .containsExactlyInAnyOrder(
            "__key",
            "__topic",
            "__partition",
            "__offset",
            "__timestamp",
            "correlationid",
            "pubsubname");
    assertThat(h.get("__key")).isEqualTo("k1");
    assertThat(h.get("correlationid")).isEqualTo("c-42");
    assertThat(h.get("pubsubname")).isEqualTo("pubsub");
  }

  @Test
  void brokerMetadataBecomesGrpcMetadata() {
    Metadata md = MessageMetadata.grpcMetadata(kafkaMessage());

    assertThat(md.keys())
        .containsExactlyInAnyOrder(
            "__key",
            "__topic",
            "__partition",
            "__offset",
            "__timestamp",
            "correlationid",
            "pubsubname");
    assertThat(grpc(md, "__key")).isEqualTo("k1");
    assertThat(grpc(md, "__offset")).isEqualTo("41");
  }

  @Test
  void entriesThatWouldFrameOrAuthenticateTheRequestAreNotPassed() {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("Content-Type", "text/evil");
    md.put("content-length", "3");
    md.put("Host", "elsewhere");
    md.put("transfer-encoding", "chunked");
    md.put("Connection", "close, x-nominated");
    md.put("x-nominated", "gone");
    md.put("keep-alive", "1");
    md.put("upgrade", "h2c");
    md.put("te", "trailers");
    md.put("expect", "100-continue");
    md.put("dapr-api-token", "forged");
    md.put("traceparent", "00-forged");
    md.put("tracestate", "forged");
    md.put("grpc-trace-bin", "AAAA");
    md.put("destination-app-id", "other");
    md.put("data-bin", "AAAA");
    md.put(":authority", "x");
    md.put("kept", "yes");

    assertThat(MessageMetadata.httpHeaders(md).names()).containsExactly("kept");
    assertThat(MessageMetadata.grpcMetadata(md).keys()).containsExactly("kept");
  }

  @Test
  void anEntryWithCrOrLfOrABadNameIsLeftOutNotRewritten() {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("x-split", "a\r\nx-injected: 1");
    md.put("x-lf", "a\nb");
    md.put("x-nul", "a\u0000b");
    md.put("bad name", "v");
    md.put("bad:name", "v");
    md.put("x-tab", "a\tb");
    md.put("x-empty", "");

    MultiMap h = MessageMetadata.httpHeaders(md);
    assertThat(h.names()).containsExactlyInAnyOrder("x-tab", "x-empty");
    assertThat(h.get("x-tab")).isEqualTo("a\tb");

    // gRPC's ASCII values are printable characters only: no tab either
    assertThat(MessageMetadata.grpcMetadata(md).keys()).containsExactly("x-empty");
  }

  @Test
  void grpcReservedNamesAreRenamedForHttpAndLeftOutForGrpc() {
    Map<String, String> md = Map.of("grpc-timeout", "1S", "grpc-status", "0");

    MultiMap h = MessageMetadata.httpHeaders(md);
    assertThat(h.names()).containsExactlyInAnyOrder("dapr-grpc-timeout", "dapr-grpc-status");
    assertThat(MessageMetadata.grpcMetadata(md).keys()).isEmpty();
  }

  @Test
  void nonAsciiValuesTravelAsUtf8OverHttpAndAreLeftOutOfGrpc() {
    Map<String, String> md = Map.of("x-city", "Zürich ☕");

    String wire = MessageMetadata.httpHeaders(md).get("x-city");
    // one char per byte on the wire: decoding those bytes as UTF-8 gives the value back
    assertThat(wire.chars()).allMatch(c -> c <= 0xff);
    assertThat(new String(wire.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))
        .isEqualTo("Zürich ☕");
    assertThat(MessageMetadata.grpcMetadata(md).keys()).isEmpty();
  }

  @Test
  void namesDifferingOnlyInCaseKeepBothValues() {
    Map<String, String> md = new LinkedHashMap<>();
    md.put("X-Tag", "a");
    md.put("x-tag", "b");

    assertThat(MessageMetadata.httpHeaders(md).getAll("x-tag")).containsExactly("a", "b");
    assertThat(
            MessageMetadata.grpcMetadata(md)
                .getAll(Metadata.Key.of("x-tag", Metadata.ASCII_STRING_MARSHALLER)))
        .containsExactly("a", "b");
  }

  @Test
  void noMetadataNoHeaders() {
    assertThat(MessageMetadata.httpHeaders(null).isEmpty()).isTrue();
    assertThat(MessageMetadata.grpcMetadata(Map.of()).keys()).isEmpty();
  }
}
