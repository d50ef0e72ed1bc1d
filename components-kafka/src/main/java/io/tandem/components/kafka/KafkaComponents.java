package io.tandem.components.kafka;

import io.tandem.components.Completions;
import io.tandem.components.ComponentException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the pub/sub and the binding share beyond the connection. */
final class KafkaComponents {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.kafka");

  /** How long closing a component waits for its consumers to commit and leave their group. */
  static final Duration CONSUMERS_STOP = Duration.ofSeconds(15);

  private KafkaComponents() {}

  /** A publish that failed, as the building block reports it: with the reason, never a secret. */
  static ComponentException publishFailed(KafkaConnection c, String topic, Throwable err) {
    Throwable t = Completions.unwrap(err);
    if (t instanceof ComponentException ce) {
      return ce;
    }
    String why;
    if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
      why = c.describe(t, KafkaSettings.MAX_BLOCK);
    } else {
      why = t.getMessage() == null ? t.toString() : t.getMessage();
      Optional<String> trouble = c.trouble();
      if (trouble.isPresent()) {
        why += " (" + trouble.get() + ")";
      }
    }
    ComponentException.Reason reason =
        t instanceof InvalidTopicException || t instanceof RecordTooLargeException
            ? ComponentException.Reason.INVALID_ARGUMENT
            : ComponentException.Reason.FAILURE;
    return new ComponentException(
        reason, "publishing to Kafka topic '" + topic + "' failed: " + why, t);
  }

  /** Waits, bounded, for consumers to stop. */
  /**
   * Stops a component: its consumers first (each commits what is done), waiting for them up to
   * {@link #CONSUMERS_STOP}, then its connection.
   */
  static void close(KafkaConnection conn, List<TopicConsumer> consumers, String label) {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (TopicConsumer tc : consumers) {
      tc.close();
      stops.add(tc.stopped());
    }
    consumers.clear();
    await(stops, label);
    if (conn != null) {
      conn.close();
    }
  }

  static void await(List<CompletableFuture<Void>> stops, String label) {
    if (stops.isEmpty()) {
      return;
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
          .get(CONSUMERS_STOP.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("{}: consumers did not stop in time: {}", label, e.toString());
    }
  }
}
