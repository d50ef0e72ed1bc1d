package io.tandem.sidecar.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscriptionType;
import io.dapr.v1.DaprPubsubProtos.BulkPublishRequest;
import io.dapr.v1.DaprPubsubProtos.BulkPublishResponse;
import io.dapr.v1.DaprPubsubProtos.BulkPublishResponseFailedEntry;
import io.tandem.sidecar.api.ApiException;
import java.util.AbstractMap.SimpleEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PubSubJsonTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void eachEventBecomesBytesPerItsContentType() {
    String body =
        "[{\"entryId\":\"1\",\"event\":\"first text message\",\"contentType\":\"text/plain\"},"
            + "{\"entryId\":\"2\",\"event\":{\"message\":\"second\"},\"contentType\":\"application/json\","
            + "\"metadata\":{\"ttlInSeconds\":\"10\"}},"
            + "{\"entryId\":\"3\",\"event\":\"AAEC\",\"contentType\":\"application/octet-stream\"}]";

    BulkPublishRequest req =
        PubSubJson.bulkRequest("pubsub", "t", body.getBytes(UTF_8), Map.of("rawPayload", "false"));

    assertThat(req.getEntriesCount()).isEqualTo(3);
    assertThat(req.getEntries(0).getEvent().toStringUtf8()).isEqualTo("first text message");
    assertThat(req.getEntries(1).getEvent().toStringUtf8()).isEqualTo("{\"message\":\"second\"}");
    assertThat(req.getEntries(1).getMetadataMap()).containsEntry("ttlInSeconds", "10");
    assertThat(req.getEntries(2).getEvent().toByteArray()).containsExactly(0, 1, 2);
    assertThat(req.getMetadataMap()).containsEntry("rawPayload", "false");
  }

  @Test
  void malformedBodiesAreDaprsEventsSerErrors() {
    ApiException notJson =
        (ApiException)
            catchThrowable(
                () ->
                    PubSubJson.bulkRequest(
                        "p", "t", "{\"entryID\": \"}".getBytes(UTF_8), Map.of()));
    assertThat(notJson.errorCode()).isEqualTo("ERR_PUBSUB_EVENTS_SER");
    assertThat(notJson.error().reason()).isEqualTo("DAPR_PUBSUB_UNMARSHAL_EVENTS");
    assertThat(notJson.getMessage())
        .startsWith("error when unmarshaling the request for topic t pubsub p: ");

    assertThatThrownBy(
            () ->
                PubSubJson.bulkRequest(
                    "p",
                    "t",
                    "[{\"entryId\":\"1\",\"event\":{\"a\":1},\"contentType\":\"text/plain\"}]"
                        .getBytes(UTF_8),
                    Map.of()))
        .isInstanceOf(ApiException.class)
        .hasMessage(
            "error when marshalling cloud event envelope for topic t pubsub p: error: mismatch"
                + " between contentType and event");
  }

  static Throwable catchThrowable(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void aPartialFailureListsEntriesAndCode() throws Exception {
    BulkPublishResponse res =
        BulkPublishResponse.newBuilder()
            .addFailedEntries(
                BulkPublishResponseFailedEntry.newBuilder().setEntryId("2").setError("nope"))
            .build();

    JsonNode o = JSON.readTree(PubSubJson.bulkFailure(res, "ERR_PUBSUB_PUBLISH_MESSAGE"));

    assertThat(o.path("errorCode").asText()).isEqualTo("ERR_PUBSUB_PUBLISH_MESSAGE");
    assertThat(o.path("failedEntries").get(0).path("entryId").asText()).isEqualTo("2");
    assertThat(o.path("failedEntries").get(0).path("error").asText()).isEqualTo("nope");
  }

  @Test
  void subscriptionsAreListedInDaprsShape() {
    SubscriptionDef def =
        new SubscriptionDef(
            "s",
            PubsubSubscriptionType.DECLARATIVE,
            "pubsub",
            "orders",
            Map.of("rawPayload", "true"),
            RoutingRules.compile(List.of(new SimpleEntry<>("event.type == 'a'", "/a")), "/d"),
            "dead",
            null);
    ArrayNode out = JSON.createArrayNode();

    PubSubJson.subscriptions(out, List.of(def.toProto()));

    JsonNode s = out.get(0);
    assertThat(s.path("pubsubname").asText()).isEqualTo("pubsub");
    assertThat(s.path("topic").asText()).isEqualTo("orders");
    assertThat(s.path("metadata").path("rawPayload").asText()).isEqualTo("true");
    assertThat(s.path("rules").get(0).path("match").asText()).isEqualTo("event.type == 'a'");
    assertThat(s.path("rules").get(1).has("match")).isFalse();
    assertThat(s.path("rules").get(1).path("path").asText()).isEqualTo("/d");
    assertThat(s.path("deadLetterTopic").asText()).isEqualTo("dead");
    assertThat(s.path("type").asText()).isEqualTo("DECLARATIVE");
  }
}
