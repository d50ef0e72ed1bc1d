package io.tandem.components.kafka;

import io.tandem.components.ComponentException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one Kafka component holds: a producer shared by every publish, an admin client that probes
 * the brokers, and the component's threads. kafka-clients reconnect on their own; the probe asks
 * the cluster to describe itself every few seconds and reports through {@link #trouble()} while no
 * broker answers.
 *
 * <p>Threads: {@code send} runs on one producer thread (the first send to a topic may block for
 * metadata, and must not block the caller); the dispatcher runs every consumer's bookkeeping and
 * timers (never blocking); the admin client and producer have their own I/O threads.
 */
final class KafkaConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.kafka");

  /** Under the runtime's default initTimeout (5 s), so that the clearer message wins. */
  static final Duration INIT_PROBE_TIMEOUT = Duration.ofSeconds(3);

  static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  final KafkaSettings settings;
  private final String label;
  private final Admin admin;
  private final KafkaProducer<byte[], byte[]> producer;
  private final ExecutorService producerThread;
  private final ScheduledExecutorService dispatcher;
  private final AtomicBoolean probing = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String trouble;

  private KafkaConnection(KafkaSettings settings, String label) {
    this.settings = settings;
    this.label = label;
    this.producerThread =
        Executors.newSingleThreadExecutor(daemon("tandem-kafka-" + settings.component + "-send"));
    ScheduledThreadPoolExecutor d =
        new ScheduledThreadPoolExecutor(
            1, daemon("tandem-kafka-" + settings.component + "-dispatch"));
    d.setRemoveOnCancelPolicy(true);
    this.dispatcher = d;
    Admin a = null;
    KafkaProducer<byte[], byte[]> p = null;
    try {
      a = Admin.create(settings.admin());
      p =
          new KafkaProducer<>(
              settings.producer(), new ByteArraySerializer(), new ByteArraySerializer());
    } catch (RuntimeException e) {
      closeQuietly(a, p);
      producerThread.shutdownNow();
      dispatcher.shutdownNow();
      throw ComponentException.failure(
          label + ": cannot create the Kafka clients: " + e.getMessage(), e);
    }
    this.admin = a;
    this.producer = p;
  }

  /**
   * Creates the clients and, when {@code check} is set, makes sure a broker answers within {@link
   * #INIT_PROBE_TIMEOUT}, as Dapr's init does. Then probes every {@link #PROBE_INTERVAL}.
   *
   * @param label how messages name the component, such as {@code pubsub.kafka orders}
   * @throws ComponentException when the clients cannot be created or no broker answers
   */
  static KafkaConnection open(KafkaSettings settings, String label, boolean check) {
    KafkaConnection c = new KafkaConnection(settings, label);
    if (check) {
      try {
        c.checkReachable();
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    }
    c.dispatcher.scheduleWithFixedDelay(
        c::probe, 0, PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return c;
  }

  private void checkReachable() {
    try {
      admin
          .describeCluster(
              new DescribeClusterOptions().timeoutMs((int) INIT_PROBE_TIMEOUT.toMillis()))
          .clusterId()
          .get(INIT_PROBE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ComponentException.failure(label + ": interrupted while connecting to Kafka", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw ComponentException.failure(label + ": " + describe(cause, INIT_PROBE_TIMEOUT), cause);
    }
  }

  /** One probe, started from the dispatcher; never blocks it. */
  private void probe() {
    if (closed.get() || !probing.compareAndSet(false, true)) {
      return;
    }
    try {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_TIMEOUT.toMillis()))
          .clusterId()
          .whenComplete(
              (id, err) -> {
                probing.set(false);
                if (closed.get()) {
                  return;
                }
                String now = err == null ? null : describe(err, PROBE_TIMEOUT);
                String before = trouble;
                trouble = now;
                if (now != null && before == null) {
                  log.warn("{}: {}", label, now);
                } else if (now == null && before != null) {
                  log.info("{}: Kafka brokers at {} answer again", label, settings.brokers);
                }
              });
    } catch (RuntimeException e) {
      probing.set(false);
      trouble = describe(e, PROBE_TIMEOUT);
    }
  }

  /** A sentence for {@code t}: never the password, which kafka-clients do not put in errors. */
  String describe(Throwable t, Duration timeout) {
    if (t instanceof AuthenticationException) {
      return "authentication with the Kafka brokers at "
          + settings.brokers
          + " failed: "
          + t.getMessage();
    }
    if (t instanceof AuthorizationException) {
      return "the Kafka brokers at " + settings.brokers + " refused access: " + t.getMessage();
    }
    if (t instanceof TimeoutException
        || t instanceof org.apache.kafka.common.errors.TimeoutException) {
      return "no Kafka broker at "
          + settings.brokers
          + " answered within "
          + timeout.toMillis()
          + " ms (the clients keep reconnecting)";
    }
    return "cannot reach the Kafka brokers at " + settings.brokers + ": " + t.getMessage();
  }

  /** What is wrong with the connection right now; cheap. */
  Optional<String> trouble() {
    return Optional.ofNullable(trouble);
  }

  ScheduledExecutorService dispatcher() {
    return dispatcher;
  }

  /**
   * Sends {@code record} with the shared producer. Completes when the brokers stored it (acks=all)
   * or failed; never blocks the caller.
   */
  CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
    CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
    if (closed.get()) {
      done.completeExceptionally(closedError());
      return done;
    }
    try {
      producerThread.execute(
          () -> {
            try {
              producer.send(
                  record,
                  (md, err) -> {
                    if (err != null) {
                      done.completeExceptionally(err);
                    } else {
                      done.complete(md);
                    }
                  });
            } catch (RuntimeException e) {
              done.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(closedError());
    }
    return done;
  }

  ComponentException closedError() {
    return new ComponentException(ComponentException.Reason.FAILURE, label + " is closed");
  }

  boolean isClosed() {
    return closed.get();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    producerThread.shutdown();
    try {
      producerThread.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(admin, producer);
    dispatcher.shutdownNow();
  }

  private void closeQuietly(Admin a, KafkaProducer<byte[], byte[]> p) {
    if (p != null) {
      try {
        p.close(CLOSE_TIMEOUT);
      } catch (RuntimeException e) {
        log.debug("{}: closing the producer: {}", label, e.toString());
      }
    }
    if (a != null) {
      try {
        a.close(CLOSE_TIMEOUT);
      } catch (RuntimeException e) {
        log.debug("{}: closing the admin client: {}", label, e.toString());
      }
    }
  }

  static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * A component's trouble: the connection's own first (brokers unreachable, authentication), then
   * the first consumer's; empty before init.
   */
  static Optional<String> trouble(KafkaConnection conn, Iterable<TopicConsumer> consumers) {
    if (conn == null) {
      return Optional.empty();
    }
    Optional<String> t = conn.trouble();
    if (t.isPresent()) {
      return t;
    }
    for (TopicConsumer tc : consumers) {
      String s = tc.trouble();
      if (s != null) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
