package io.tandem.components.pubsub;

import io.tandem.components.Completions;
import io.tandem.components.Component;
import io.tandem.components.ComponentException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A message broker behind the pub/sub API.
 *
 * <p><b>Publishing.</b> {@link #publish} completes once the broker has accepted the message (for a
 * durable broker: once it is stored). Failures complete the stage exceptionally, preferably with a
 * {@link ComponentException}.
 *
 * <p><b>Subscribing.</b> {@link #subscribe} starts delivering the topic's messages to a handler and
 * returns a handle that stops it. Delivery is at least once: the broker acknowledges a message only
 * after the handler's stage completed normally, and redelivers it, after a back-off, when the stage
 * completed exceptionally (or the process died before it completed). A handler may take as long as
 * it likes; a broker must not redeliver a message whose stage is still pending. Handlers must not
 * block the calling thread: their work is asynchronous and reported through the stage.
 *
 * <p><b>Consumers.</b> Subscriptions made by one sidecar share the consumer identity of its app: a
 * broker with consumer groups (Kafka, Redis Streams, RabbitMQ queues) uses the {@code consumerID}
 * metadata when it is set, else {@link io.tandem.components.ComponentContext#appId()}, so that the
 * replicas of one app share the work and different apps each receive every message.
 *
 * <p><b>Order.</b> A broker that reports {@link #ordered()} delivers one subscription's messages of
 * a topic in publish order, a message being redelivered holding back the ones after it.
 */
public interface PubSub extends Component {
  /** The broker enforces {@code ttlInSeconds} itself; otherwise the sidecar does. */
  String FEATURE_MESSAGE_TTL = "MESSAGE_TTL";

  /** Topics may be subscribed to with the broker's wildcard syntax. */
  String FEATURE_SUBSCRIBE_WILDCARDS = "SUBSCRIBE_WILDCARDS";

  /** {@link #bulkPublish} is native rather than one publish per entry. */
  String FEATURE_BULK_PUBLISH = "BULK_PUBSUB";

  /** Request metadata key: seconds until the message expires. */
  String TTL_IN_SECONDS = "ttlInSeconds";

  /** Request and subscription metadata key: the payload is not a CloudEvent. */
  String RAW_PAYLOAD = "rawPayload";

  /** Component metadata key: the consumer group; the app id when unset. */
  String CONSUMER_ID = "consumerID";

  CompletionStage<Void> publish(PublishRequest request);

  /**
   * Publishes several messages to one topic. Entries fail on their own: the stage completes
   * normally with the failed entries listed, and exceptionally only when nothing could be tried at
   * all. The default publishes the entries one after the other, in order, with {@link #publish}.
   */
  default CompletionStage<BulkPublishResponse> bulkPublish(BulkPublishRequest request) {
    List<BulkPublishResponse.FailedEntry> failed = new ArrayList<>();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (BulkMessageEntry e : request.entries()) {
      chain =
          chain.thenCompose(
              v ->
                  Completions.call(
                          () ->
                              publish(
                                  new PublishRequest(
                                      request.topic(),
                                      e.event(),
                                      e.contentType(),
                                      e.metadata().isEmpty() ? request.metadata() : e.metadata())))
                      .handle(
                          (ok, err) -> {
                            if (err != null) {
                              failed.add(
                                  new BulkPublishResponse.FailedEntry(
                                      e.entryId(), Completions.message(err)));
                            }
                            return null;
                          }));
    }
    return chain.thenApply(v -> new BulkPublishResponse(List.copyOf(failed)));
  }

  /**
   * Starts delivering {@code request.topic()} to {@code handler}. Fails with a {@link
   * ComponentException} when the subscription cannot be made (a bad topic, the broker unreachable).
   */
  TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler);

  /**
   * Starts delivering {@code request.topic()} in batches of at most {@code
   * options.maxMessagesCount()} entries, a batch leaving at the latest {@code
   * options.maxAwaitDuration()} after its first message arrived. Entries the handler reports as
   * failed are redelivered; the others are acknowledged. The default collects the messages {@link
   * #subscribe} delivers concurrently, so a broker that delivers one message at a time should
   * implement it natively.
   */
  default TopicSubscription bulkSubscribe(
      SubscribeRequest request, BulkSubscribeOptions options, BulkMessageHandler handler) {
    BatchingHandler batching = new BatchingHandler(request.topic(), options, handler);
    TopicSubscription s = subscribe(request, batching);
    return () -> {
      batching.close();
      s.close();
    };
  }

  /** Whether one subscription receives a topic's messages in publish order (see above). */
  default boolean ordered() {
    return false;
  }
}
