package io.tandem.sidecar.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventRequest;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventResponse;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventResponse.TopicEventResponseStatus;
import io.dapr.v1.DaprGrpc;
import io.dapr.v1.DaprMetadataProtos.AppConnectionProperties;
import io.dapr.v1.DaprMetadataProtos.PubsubSubscriptionType;
import io.dapr.v1.DaprPubsubProtos.PublishEventRequest;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestInitialAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestProcessedAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsResponseAlpha1;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.sidecar.grpc.GrpcApi;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code SubscribeTopicEventsAlpha1} through the gRPC API, in-process. */
class StreamingSubscriptionTest {
  PubSubFixture f;
  PubSubSubscriber subscriber;
  Server server;
  ManagedChannel channel;
  DaprGrpc.DaprStub stub;

  /** The client side of one stream. */
  static final class Client implements StreamObserver<SubscribeTopicEventsResponseAlpha1> {
    final BlockingQueue<SubscribeTopicEventsResponseAlpha1> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<SubscribeTopicEventsRequestAlpha1> requests;

    @Override
    public void onNext(SubscribeTopicEventsResponseAlpha1 value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }

    SubscribeTopicEventsResponseAlpha1 next() throws InterruptedException {
      SubscribeTopicEventsResponseAlpha1 r = received.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("a message from the sidecar").isNotNull();
      return r;
    }

    void answer(String id, TopicEventResponseStatus status) {
      requests.onNext(
          SubscribeTopicEventsRequestAlpha1.newBuilder()
              .setEventProcessed(
                  SubscribeTopicEventsRequestProcessedAlpha1.newBuilder()
                      .setId(id)
                      .setStatus(TopicEventResponse.newBuilder().setStatus(status)))
              .build());
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    f =
        new PubSubFixture(
            PubSubFixture.component(
                "pubsub",
                "pubsub.in-memory",
                "subscriptionScopes",
                "app=orders",
                "backOffInitialInterval",
                "5ms"));
    subscriber =
        new PubSubSubscriber(
            f.pubsubs,
            f.service,
            null,
            io.tandem.sidecar.AppChannelConfig.none(),
            List.of(),
            f.metrics,
            Clock.systemUTC());
    MetadataService md =
        new MetadataService(
                "app", "test", f.registry, AppConnectionProperties.getDefaultInstance(), List.of())
            .withSubscriptions(subscriber::subscriptions);
    GrpcApi api =
        new GrpcApi(
                new StateService(f.registry, "app", "", f.metrics),
                new SecretsService(f.registry),
                md,
                () -> {})
            .withPubSub(f.service, subscriber);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(api).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    stub = DaprGrpc.newStub(channel);
  }

  @AfterEach
  void tearDown() {
    subscriber.close();
    channel.shutdownNow();
    server.shutdownNow();
    f.close();
  }

  Client open(String pubsub, String topic, String deadLetterTopic) {
    Client c = new Client();
    c.requests = stub.subscribeTopicEventsAlpha1(c);
    SubscribeTopicEventsRequestInitialAlpha1.Builder initial =
        SubscribeTopicEventsRequestInitialAlpha1.newBuilder().setPubsubName(pubsub).setTopic(topic);
    if (deadLetterTopic != null) {
      initial.setDeadLetterTopic(deadLetterTopic);
    }
    c.requests.onNext(
        SubscribeTopicEventsRequestAlpha1.newBuilder().setInitialRequest(initial).build());
    return c;
  }

  void publish(String text) {
    f.service
        .publish(
            PublishEventRequest.newBuilder()
                .setPubsubName("pubsub")
                .setTopic("orders")
                .setData(ByteString.copyFromUtf8(text))
                .setDataContentType("application/json")
                .build(),
            Trace.NONE)
        .toCompletableFuture()
        .join();
  }

  @Test
  void eventsFlowAndARetriedOneComesBack() throws Exception {
    Client c = open("pubsub", "orders", null);
    assertThat(c.next().hasInitialResponse()).isTrue();

    publish("{\"n\":1}");
    TopicEventRequest first = c.next().getEventMessage();
    assertThat(first.getPubsubName()).isEqualTo("pubsub");
    assertThat(first.getTopic()).isEqualTo("orders");
    assertThat(first.getDataContentType()).isEqualTo("application/json");
    assertThat(first.getData().toStringUtf8()).isEqualTo("{\"n\":1}");
    assertThat(first.getType()).isEqualTo("com.dapr.event.sent");
    assertThat(first.getExtensions().getFieldsMap()).containsKey("traceparent");
    c.answer(first.getId(), TopicEventResponseStatus.RETRY);

    TopicEventRequest again = c.next().getEventMessage();
    assertThat(again.getId()).isEqualTo(first.getId());
    c.answer(again.getId(), TopicEventResponseStatus.SUCCESS);

    publish("{\"n\":2}");
    assertThat(c.next().getEventMessage().getData().toStringUtf8()).isEqualTo("{\"n\":2}");
  }

  @Test
  void theMetadataApiListsAStreamWhileItIsOpen() throws Exception {
    Client c = open("pubsub", "orders", null);
    c.next();

    assertThat(subscriber.subscriptions())
        .singleElement()
        .satisfies(s -> assertThat(s.getType()).isEqualTo(PubsubSubscriptionType.STREAMING));

    c.requests.onCompleted();
    assertThat(c.ended.get(10, TimeUnit.SECONDS).isOk()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.subscriptions().isEmpty());
  }

  @Test
  void aDroppedEventGoesToTheStreamsDeadLetterTopic() throws Exception {
    List<String> dead = new CopyOnWriteArrayList<>();
    f.pubsub("pubsub")
        .subscribe(
            new SubscribeRequest("poison", Map.of()),
            m -> {
              dead.add(new String(m.data(), java.nio.charset.StandardCharsets.UTF_8));
              return CompletableFuture.completedFuture(null);
            });
    Client c = open("pubsub", "orders", "poison");
    c.next();

    publish("{\"bad\":true}");
    c.answer(c.next().getEventMessage().getId(), TopicEventResponseStatus.DROP);

    await().atMost(Duration.ofSeconds(10)).until(() -> dead.size() == 1);
    assertThat(dead.get(0)).contains("\"bad\":true");
  }

  @Test
  void refusedSubscriptionsEndTheStream() throws Exception {
    Status unknown = open("nope", "orders", null).ended.get(10, TimeUnit.SECONDS);
    assertThat(unknown.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(unknown.getDescription()).isEqualTo("pubsub nope is not found");

    Status forbidden = open("pubsub", "elsewhere", null).ended.get(10, TimeUnit.SECONDS);
    assertThat(forbidden.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

    Status noTopic = open("pubsub", "", null).ended.get(10, TimeUnit.SECONDS);
    assertThat(noTopic.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(noTopic.getDescription()).isEqualTo("topic is required");
  }
}
