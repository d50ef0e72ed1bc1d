package io.tandem.sidecar.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CloudEventsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-03-01T10:15:30.250Z"), ZoneId.of("UTC"));
  static final String TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  static JsonNode envelope(String contentType, String data, Map<String, String> md)
      throws Exception {
    return envelope(contentType, data.getBytes(UTF_8), md, false);
  }

  static JsonNode envelope(
      String contentType, byte[] data, Map<String, String> md, boolean brokerTtl) throws Exception {
    byte[] out =
        CloudEvents.envelope(
            new CloudEvents.Publish(
                "checkout", "orders", "pubsub", contentType, data, TRACE, "k=v", md, brokerTtl),
            CLOCK);
    return JSON.readTree(out);
  }

  @Test
  void jsonPayloadBecomesDataWithDaprsAttributes() throws Exception {
    JsonNode ce = envelope("application/json", "{\"orderId\":7,\"item\":\"book\"}", Map.of());

    assertThat(ce.path("specversion").asText()).isEqualTo("1.0");
    assertThat(ce.path("id").asText()).hasSize(36);
    assertThat(ce.path("source").asText()).isEqualTo("checkout");
    assertThat(ce.path("type").asText()).isEqualTo("com.dapr.event.sent");
    assertThat(ce.path("datacontenttype").asText()).isEqualTo("application/json");
    assertThat(ce.path("time").asText()).isEqualTo("2026-03-01T10:15:30Z");
    assertThat(ce.path("topic").asText()).isEqualTo("orders");
    assertThat(ce.path("pubsubname").asText()).isEqualTo("pubsub");
    assertThat(ce.path("traceid").asText()).isEqualTo(TRACE);
    assertThat(ce.path("traceparent").asText()).isEqualTo(TRACE);
    assertThat(ce.path("tracestate").asText()).isEqualTo("k=v");
    assertThat(ce.path("data").path("orderId").asInt()).isEqualTo(7);
    assertThat(ce.has("data_base64")).isFalse();
    assertThat(ce.has("expiration")).isFalse();
  }

  @Test
  void withoutContentTypeThePayloadIsText() throws Exception {
    JsonNode ce = envelope(null, "hello", Map.of());

    assertThat(ce.path("datacontenttype").asText()).isEqualTo("text/plain");
    assertThat(ce.path("data").asText()).isEqualTo("hello");
  }

  @Test
  void jsonThatDoesNotParseTravelsAsAString() throws Exception {
    JsonNode ce = envelope("application/json", "{not json", Map.of());

    assertThat(ce.path("data").isTextual()).isTrue();
    assertThat(ce.path("data").asText()).isEqualTo("{not json");
  }

  @Test
  void octetStreamTravelsAsDataBase64() throws Exception {
    byte[] bytes = {0, (byte) 0xFF, 1, 2};
    JsonNode ce = envelope("application/octet-stream", bytes, Map.of(), false);

    assertThat(ce.has("data")).isFalse();
    assertThat(Base64.getDecoder().decode(ce.path("data_base64").asText())).containsExactly(bytes);
  }

  @Test
  void cloudeventMetadataOverridesAttributes() throws Exception {
    JsonNode ce =
        envelope(
            "text/plain",
            "x",
            Map.of(
                "cloudevent.id", "my-id",
                "cloudevent.source", "urn:shop",
                "cloudevent.type", "order.created",
                "Cloudevent.Subject", "orders/7",
                "cloudevent.traceparent",
                    "00-11111111111111111111111111111111-2222222222222222-01"));

    assertThat(ce.path("id").asText()).isEqualTo("my-id");
    assertThat(ce.path("source").asText()).isEqualTo("urn:shop");
    assertThat(ce.path("type").asText()).isEqualTo("order.created");
    assertThat(ce.path("subject").asText()).isEqualTo("orders/7");
    assertThat(ce.path("traceid").asText())
        .isEqualTo("00-11111111111111111111111111111111-2222222222222222-01");
    assertThat(ce.path("traceparent").asText()).isEqualTo(ce.path("traceid").asText());
  }

  @Test
  void ttlAddsAnExpirationUnlessTheBrokerHandlesTtl() throws Exception {
    JsonNode ce = envelope("text/plain", "x", Map.of("ttlInSeconds", "90"));
    assertThat(ce.path("expiration").asText()).isEqualTo("2026-03-01T10:17:00Z");

    JsonNode brokerTtl =
        envelope("text/plain", "x".getBytes(UTF_8), Map.of("ttlInSeconds", "90"), true);
    assertThat(brokerTtl.has("expiration")).isFalse();

    assertThat(envelope("text/plain", "x", Map.of("ttlInSeconds", "-3")).has("expiration"))
        .isFalse();
    assertThat(envelope("text/plain", "x", Map.of("ttlInSeconds", "soon")).has("expiration"))
        .isFalse();
  }

  @Test
  void aPublishersCloudEventIsKeptAndCompleted() throws Exception {
    JsonNode ce =
        envelope(
            "application/cloudevents+json",
            "{\"id\":\"abc\",\"specversion\":\"1.0\",\"type\":\"shop.order\","
                + "\"datacontenttype\":\"application/json\",\"data\":{\"n\":1},\"my_ext\":\"kept\","
                + "\"topic\":\"wrong\"}",
            Map.of());

    assertThat(ce.path("id").asText()).isEqualTo("abc");
    assertThat(ce.path("type").asText()).isEqualTo("shop.order");
    assertThat(ce.path("source").asText()).isEqualTo("Dapr");
    assertThat(ce.path("my_ext").asText()).isEqualTo("kept");
    assertThat(ce.path("data").path("n").asInt()).isEqualTo(1);
    assertThat(ce.path("topic").asText()).isEqualTo("orders");
    assertThat(ce.path("pubsubname").asText()).isEqualTo("pubsub");
    assertThat(ce.path("traceid").asText()).isEqualTo(TRACE);
    assertThat(ce.path("time").asText()).isEqualTo("2026-03-01T10:15:30Z");
  }

  @Test
  void aPublishersCloudEventWithoutIdGetsOne() throws Exception {
    JsonNode ce = envelope("application/cloudevents+json", "{\"type\":\"t\"}", Map.of());

    assertThat(ce.path("id").asText()).isNotEmpty();
    assertThat(ce.path("specversion").asText()).isEqualTo("1.0");
  }

  @Test
  void aMalformedCloudEventIsRefused() {
    assertThatThrownBy(() -> envelope("application/cloudevents+json", "{\"id\":", Map.of()))
        .isInstanceOf(CloudEventException.class);
    assertThatThrownBy(() -> envelope("application/cloudevents+json", "[1,2]", Map.of()))
        .isInstanceOf(CloudEventException.class)
        .hasMessageContaining("not a JSON object");
  }

  @Test
  void aSourceOverrideThatIsNotAUriIsRefused() {
    assertThatThrownBy(() -> envelope("text/plain", "x", Map.of("cloudevent.source", "not a uri")))
        .isInstanceOf(CloudEventException.class)
        .hasMessageContaining("source");
  }

  @Test
  void aRawPayloadIsWrappedForSubscribersAsDataBase64() {
    JsonNode ce =
        CloudEvents.fromRawPayload(
            "raw!".getBytes(UTF_8), "orders", "pubsub", Map.of("traceparent", TRACE));

    assertThat(ce.path("source").asText()).isEqualTo("Dapr");
    assertThat(ce.path("type").asText()).isEqualTo("com.dapr.event.sent");
    assertThat(ce.path("datacontenttype").asText()).isEqualTo("application/octet-stream");
    assertThat(new String(Base64.getDecoder().decode(ce.path("data_base64").asText()), UTF_8))
        .isEqualTo("raw!");
    assertThat(ce.path("traceid").asText()).isEqualTo(TRACE);
    assertThat(ce.path("topic").asText()).isEqualTo("orders");
  }

  @Test
  void expiryIsReadFromTheExpirationAttribute() throws Exception {
    Instant now = Instant.parse("2026-03-01T10:00:00Z");
    assertThat(
            CloudEvents.hasExpired(JSON.readTree("{\"expiration\":\"2026-03-01T09:59:59Z\"}"), now))
        .isTrue();
    assertThat(
            CloudEvents.hasExpired(
                JSON.readTree("{\"expiration\":\"2026-03-01T12:00:00+03:00\"}"), now))
        .isTrue();
    assertThat(
            CloudEvents.hasExpired(JSON.readTree("{\"expiration\":\"2026-03-01T10:00:01Z\"}"), now))
        .isFalse();
    assertThat(CloudEvents.hasExpired(JSON.readTree("{\"expiration\":\"tomorrow\"}"), now))
        .isFalse();
    assertThat(CloudEvents.hasExpired(JSON.readTree("{}"), now)).isFalse();
  }
}
