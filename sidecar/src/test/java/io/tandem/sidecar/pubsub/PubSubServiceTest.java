package io.tandem.sidecar.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.dapr.v1.DaprPubsubProtos.BulkPublishRequest;
import io.dapr.v1.DaprPubsubProtos.BulkPublishRequestEntry;
import io.dapr.v1.DaprPubsubProtos.BulkPublishResponse;
import io.dapr.v1.DaprPubsubProtos.PublishEventRequest;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PubSubServiceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  PubSubFixture f;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  void with(String yaml) throws Exception {
    f = new PubSubFixture(yaml);
  }

  static PublishEventRequest publish(String pubsub, String topic, String data, String ct) {
    return PublishEventRequest.newBuilder()
        .setPubsubName(pubsub)
        .setTopic(topic)
        .setData(ByteString.copyFromUtf8(data))
        .setDataContentType(ct)
        .build();
  }

  static <T> T join(CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  static ApiException failure(CompletionStage<?> s) {
    try {
      s.toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof ApiException api) {
        return api;
      }
      throw e;
    }
    throw new AssertionError("expected a failure");
  }

  List<Message> subscribe(String pubsub, String topic) {
    List<Message> got = new CopyOnWriteArrayList<>();
    f.pubsub(pubsub)
        .subscribe(
            new SubscribeRequest(topic, Map.of()),
            m -> {
              got.add(m);
              return CompletableFuture.completedFuture(null);
            });
    return got;
  }

  @Test
  void publishWrapsThePayloadAndCountsEgress() throws Exception {
    with(PubSubFixture.component("pubsub", "pubsub.in-memory"));
    List<Message> got = subscribe("pubsub", "orders");

    join(
        f.service.publish(
            publish("pubsub", "orders", "{\"id\":1}", "application/json"),
            new Trace("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "")));

    await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
    JsonNode ce = JSON.readTree(got.get(0).data());
    assertThat(ce.path("source").asText()).isEqualTo("app");
    assertThat(ce.path("data").path("id").asInt()).isEqualTo(1);
    assertThat(ce.path("traceparent").asText()).startsWith("00-0af7651916cd43dd");
    assertThat(got.get(0).contentType()).isEqualTo("application/cloudevents+json");
    assertThat(
            f.count(
                "dapr_component_pubsub_egress_count",
                "component",
                "pubsub",
                "topic",
                "orders",
                "success",
                "true"))
        .isEqualTo(1);
  }

  @Test
  void rawPayloadIsPublishedAsIs() throws Exception {
    with(PubSubFixture.component("pubsub", "pubsub.in-memory"));
    List<Message> got = subscribe("pubsub", "raw");

    join(
        f.service.publish(
            publish("pubsub", "raw", "plain bytes", "text/plain").toBuilder()
                .putMetadata("rawPayload", "true")
                .build(),
            Trace.NONE));

    await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
    assertThat(new String(got.get(0).data(), UTF_8)).isEqualTo("plain bytes");
    assertThat(got.get(0).metadata()).containsEntry("rawPayload", "true");
  }

  @Test
  void errorsFollowDaprsCatalog() throws Exception {
    with("");
    assertThat(failure(f.service.publish(publish("pubsub", "t", "x", ""), Trace.NONE)).error())
        .isEqualTo(ApiError.PUBSUB_NOT_CONFIGURED);
    f.close();

    with(PubSubFixture.component("pubsub", "pubsub.in-memory", "publishingScopes", "app=allowed"));
    ApiException notFound = failure(f.service.publish(publish("nope", "t", "x", ""), Trace.NONE));
    assertThat(notFound.error()).isEqualTo(ApiError.PUBSUB_NOT_FOUND);
    assertThat(notFound.getMessage()).isEqualTo("pubsub nope is not found");
    assertThat(notFound.error().httpStatus()).isEqualTo(404);
    assertThat(notFound.error().reason()).isEqualTo("DAPR_PUBSUB_NOT_FOUND");

    assertThat(failure(f.service.publish(publish("", "t", "x", ""), Trace.NONE)).error())
        .isEqualTo(ApiError.PUBSUB_NAME_EMPTY);
    assertThat(failure(f.service.publish(publish("pubsub", "", "x", ""), Trace.NONE)).error())
        .isEqualTo(ApiError.PUBSUB_TOPIC_EMPTY);

    ApiException forbidden =
        failure(f.service.publish(publish("pubsub", "other", "x", ""), Trace.NONE));
    assertThat(forbidden.error()).isEqualTo(ApiError.PUBSUB_FORBIDDEN);
    assertThat(forbidden.error().httpStatus()).isEqualTo(403);
    assertThat(forbidden.getMessage()).isEqualTo("topic other is not allowed for app id app");

    ApiException badCe =
        failure(
            f.service.publish(
                publish("pubsub", "allowed", "{\"id\":", "application/cloudevents+json"),
                Trace.NONE));
    assertThat(badCe.errorCode()).isEqualTo("ERR_PUBSUB_CLOUD_EVENTS_SER");
    assertThat(badCe.getMessage()).isEqualTo("cannot create cloudevent");
    assertThat(badCe.error().reason()).isEqualTo("DAPR_PUBSUB_CLOUD_EVENT_CREATION");

    ApiException badRaw =
        failure(
            f.service.publish(
                publish("pubsub", "allowed", "x", "").toBuilder()
                    .putMetadata("rawPayload", "yes please")
                    .build(),
                Trace.NONE));
    assertThat(badRaw.errorCode()).isEqualTo("ERR_PUBSUB_REQUEST_METADATA");
    assertThat(badRaw.error().httpStatus()).isEqualTo(400);
  }

  @Test
  void aBrokerFailureIsPublishMessage() throws Exception {
    with(PubSubFixture.component("broken", "pubsub.refusing"));

    ApiException e =
        failure(f.service.publish(publish("broken", "t", "poison", "text/plain"), Trace.NONE));

    assertThat(e.errorCode()).isEqualTo("ERR_PUBSUB_PUBLISH_MESSAGE");
    assertThat(e.getMessage())
        .isEqualTo("error when publishing to topic t in pubsub broken: broker refused");
    assertThat(
            f.count(
                "dapr_component_pubsub_egress_count", "component", "broken", "success", "false"))
        .isEqualTo(1);
  }

  static BulkPublishRequestEntry entry(String id, String event, String ct) {
    return BulkPublishRequestEntry.newBuilder()
        .setEntryId(id)
        .setEvent(ByteString.copyFromUtf8(event))
        .setContentType(ct)
        .build();
  }

  @Test
  void bulkPublishListsTheEntriesThatFailed() throws Exception {
    with(PubSubFixture.component("broken", "pubsub.refusing"));
    BulkPublishRequest req =
        BulkPublishRequest.newBuilder()
            .setPubsubName("broken")
            .setTopic("t")
            .addEntries(entry("1", "fine", "text/plain"))
            .addEntries(entry("2", "poison", "text/plain"))
            .build();

    BulkPublishResponse res = join(f.service.bulkPublish(req, Trace.NONE));

    assertThat(res.getFailedEntriesList()).hasSize(1);
    assertThat(res.getFailedEntries(0).getEntryId()).isEqualTo("2");
    assertThat(res.getFailedEntries(0).getError()).isEqualTo("broker refused");
    ApiException partial = f.service.partialFailure("broken", "t", res);
    assertThat(partial.errorCode()).isEqualTo("ERR_PUBSUB_PUBLISH_MESSAGE");
    assertThat(partial.error().httpStatus()).isEqualTo(500);
  }

  @Test
  void bulkPublishWrapsEachEntryAndMergesMetadata() throws Exception {
    with(PubSubFixture.component("pubsub", "pubsub.in-memory"));
    List<Message> got = subscribe("pubsub", "bulk");
    BulkPublishRequest req =
        BulkPublishRequest.newBuilder()
            .setPubsubName("pubsub")
            .setTopic("bulk")
            .putMetadata("shared", "yes")
            .addEntries(entry("a", "{\"n\":1}", "application/json"))
            .addEntries(
                entry("b", "two", "text/plain").toBuilder().putMetadata("shared", "no").build())
            .build();

    BulkPublishResponse res = join(f.service.bulkPublish(req, Trace.NONE));

    assertThat(res.getFailedEntriesCount()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 2);
    assertThat(JSON.readTree(got.get(0).data()).path("data").path("n").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(got.get(1).data()).path("data").asText()).isEqualTo("two");
    assertThat(got.get(0).metadata()).containsEntry("shared", "yes");
    assertThat(got.get(1).metadata()).containsEntry("shared", "no");
  }

  @Test
  void bulkEntriesNeedUniqueIds() throws Exception {
    with(PubSubFixture.component("pubsub", "pubsub.in-memory"));
    BulkPublishRequest dup =
        BulkPublishRequest.newBuilder()
            .setPubsubName("pubsub")
            .setTopic("t")
            .addEntries(entry("1", "a", "text/plain"))
            .addEntries(entry("1", "b", "text/plain"))
            .build();

    ApiException e = failure(f.service.bulkPublish(dup, Trace.NONE));

    assertThat(e.errorCode()).isEqualTo("ERR_PUBSUB_EVENTS_SER");
    assertThat(e.error().reason()).isEqualTo("DAPR_PUBSUB_MARSHAL_EVENTS");
    assertThat(e.getMessage()).contains("entryId is duplicated or not present");
  }

  @Test
  void bulkPublishOutsideScopesIsForbidden() throws Exception {
    with(PubSubFixture.component("pubsub", "pubsub.in-memory", "allowedTopics", "a"));
    BulkPublishRequest req =
        BulkPublishRequest.newBuilder()
            .setPubsubName("pubsub")
            .setTopic("b")
            .addEntries(entry("1", "x", "text/plain"))
            .build();

    assertThat(failure(f.service.bulkPublish(req, Trace.NONE)).error())
        .isEqualTo(ApiError.PUBSUB_FORBIDDEN);
    assertThatThrownBy(() -> f.service.checkBulkTarget("nope", "b", Map.of()))
        .isInstanceOf(ApiException.class)
        .hasMessage("pubsub nope is not found");
  }
}
