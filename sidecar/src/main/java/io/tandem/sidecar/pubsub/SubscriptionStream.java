package io.tandem.sidecar.pubsub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventRequest;
import io.dapr.v1.DaprAppCallbackProtos.TopicEventResponse;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestInitialAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestProcessedAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsResponseAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsResponseInitialAlpha1;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventRequests;
import io.tandem.sidecar.appchannel.TopicEventResult;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code SubscribeTopicEventsAlpha1} stream: the first request names the pub/sub and topic, the
 * sidecar answers with an initial response, then sends each event as a {@code TopicEventRequest}
 * and waits for the {@code event_processed} answer carrying the event's id and its status.
 */
final class SubscriptionStream
    implements StreamObserver<SubscribeTopicEventsRequestAlpha1>, EventSink {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.pubsub.streaming");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Starts the subscription for an initial request, or throws a status the stream ends with. */
  interface Opener {
    AutoCloseable open(SubscribeTopicEventsRequestInitialAlpha1 initial, SubscriptionStream stream);
  }

  private final StreamObserver<SubscribeTopicEventsResponseAlpha1> out;
  private final Opener opener;
  private final Function<Throwable, ? extends Throwable> errors;
  private final Map<String, CompletableFuture<TopicEventResult>> pending =
      new ConcurrentHashMap<>();
  private volatile AutoCloseable subscription;
  private volatile boolean closed;
  private String description = "(not started)";

  /**
   * @param errors renders a failure to open the subscription (an {@code ApiException}) as the
   *     status the stream ends with
   */
  SubscriptionStream(
      StreamObserver<SubscribeTopicEventsResponseAlpha1> out,
      Opener opener,
      Function<Throwable, ? extends Throwable> errors) {
    this.out = out;
    this.opener = opener;
    this.errors = errors;
  }

  // ---- requests from the subscriber

  @Override
  public void onNext(SubscribeTopicEventsRequestAlpha1 req) {
    if (closed) {
      return;
    }
    if (subscription == null) {
      if (!req.hasInitialRequest()) {
        end(Status.INVALID_ARGUMENT.withDescription("initial request is required").asException());
        return;
      }
      SubscribeTopicEventsRequestInitialAlpha1 initial = req.getInitialRequest();
      if (initial.getPubsubName().isEmpty()) {
        end(Status.INVALID_ARGUMENT.withDescription("pubsubName is required").asException());
        return;
      }
      if (initial.getTopic().isEmpty()) {
        end(Status.INVALID_ARGUMENT.withDescription("topic is required").asException());
        return;
      }
      description = initial.getPubsubName() + "/" + initial.getTopic();
      try {
        subscription = opener.open(initial, this);
      } catch (RuntimeException e) {
        end(errors.apply(e));
        return;
      }
      send(
          SubscribeTopicEventsResponseAlpha1.newBuilder()
              .setInitialResponse(SubscribeTopicEventsResponseInitialAlpha1.getDefaultInstance())
              .build());
      log.info("streaming subscription to {} started", description);
      return;
    }
    if (!req.hasEventProcessed()) {
      end(
          Status.INVALID_ARGUMENT
              .withDescription("duplicate initial request received")
              .asException());
      return;
    }
    SubscribeTopicEventsRequestProcessedAlpha1 p = req.getEventProcessed();
    CompletableFuture<TopicEventResult> f = pending.remove(p.getId());
    if (f == null) {
      log.warn("streaming subscription {}: an answer for unknown event {}", description, p.getId());
      return;
    }
    f.complete(result(p.getStatus().getStatus()));
  }

  @Override
  public void onError(Throwable t) {
    log.info("streaming subscription to {} ended: {}", description, Status.fromThrowable(t));
    stop();
  }

  @Override
  public void onCompleted() {
    log.info("unsubscribed from {}", description);
    stop();
    synchronized (out) {
      try {
        out.onCompleted();
      } catch (RuntimeException e) {
        log.debug("completing stream {}: {}", description, e.toString());
      }
    }
  }

  /** Ends the stream from the sidecar's side (shutting down). */
  void shutdown() {
    end(Status.UNAVAILABLE.withDescription("the sidecar is shutting down").asException());
  }

  // ---- events to the subscriber

  @Override
  public CompletionStage<TopicEventResult> deliver(TopicEvent event) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("stream closed"));
    }
    TopicEventRequest req;
    try {
      JsonNode ce = JSON.readTree(event.cloudEvent());
      req = TopicEventRequests.of(ce, event.topic(), event.pubsubName(), event.route());
    } catch (IOException | IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<TopicEventResult> f = new CompletableFuture<>();
    CompletableFuture<TopicEventResult> previous = pending.put(req.getId(), f);
    if (previous != null) {
      previous.complete(TopicEventResult.RETRY);
    }
    if (!send(SubscribeTopicEventsResponseAlpha1.newBuilder().setEventMessage(req).build())) {
      pending.remove(req.getId(), f);
      f.completeExceptionally(new IllegalStateException("stream closed"));
    }
    if (closed) {
      f.completeExceptionally(new IllegalStateException("stream closed"));
    }
    return f;
  }

  @Override
  public CompletionStage<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("streaming subscriptions receive one event at a time"));
  }

  // ---- plumbing

  private boolean send(SubscribeTopicEventsResponseAlpha1 msg) {
    synchronized (out) {
      if (closed) {
        return false;
      }
      try {
        out.onNext(msg);
        return true;
      } catch (RuntimeException e) {
        log.debug("sending on stream {}: {}", description, e.toString());
        return false;
      }
    }
  }

  private void end(Throwable status) {
    stop();
    synchronized (out) {
      try {
        out.onError(status);
      } catch (RuntimeException e) {
        log.debug("ending stream {}: {}", description, e.toString());
      }
    }
  }

  private void stop() {
    synchronized (out) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception e) {
        log.warn("closing streaming subscription {}: {}", description, e.toString());
      }
    }
    IllegalStateException gone = new IllegalStateException("stream closed");
    pending.values().forEach(f -> f.completeExceptionally(gone));
    pending.clear();
  }

  boolean isClosed() {
    return closed;
  }

  static TopicEventResult result(TopicEventResponse.TopicEventResponseStatus status) {
    return switch (status) {
      case SUCCESS -> TopicEventResult.SUCCESS;
      case DROP -> TopicEventResult.DROP;
      default -> TopicEventResult.RETRY;
    };
  }
}
