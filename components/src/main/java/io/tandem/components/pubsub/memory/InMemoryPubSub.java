package io.tandem.components.pubsub.memory;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.BackOff;
import io.tandem.components.pubsub.BulkMessage;
import io.tandem.components.pubsub.BulkMessageEntry;
import io.tandem.components.pubsub.BulkMessageHandler;
import io.tandem.components.pubsub.BulkSubscribeOptions;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pubsub.in-memory}: topics that live in the sidecar process. Each subscription has its own
 * queue; a message published while nobody subscribes is lost, as with Dapr's in-memory broker.
 *
 * <p>Delivery is ordered: a subscription has at most one message (or one batch) with its handler at
 * a time, and a message whose handler failed stays at the head of the queue and is redelivered
 * after the back-off configured with the {@code backOff*} metadata (default: exponential from 100
 * ms, doubling, at most 10 s, for ever). A message that used up {@code backOffMaxRetries} is
 * dropped with an error in the log.
 *
 * <p>All queue state is confined to one dispatcher thread per component, which also calls the
 * handlers: handlers must not block.
 */
public final class InMemoryPubSub implements PubSub {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.pubsub.memory");

  /** Defaults: quick first redeliveries, as the broker is local. */
  static final BackOff DEFAULT_BACK_OFF =
      new BackOff(
          BackOff.Policy.EXPONENTIAL,
          Duration.ofSeconds(5),
          Duration.ofMillis(100),
          2.0,
          Duration.ofSeconds(10),
          -1);

  private final Map<String, List<Subscriber>> topics = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private volatile ScheduledExecutorService dispatcher;
  private volatile BackOff backOff = DEFAULT_BACK_OFF;
  private volatile boolean closed;
  private String name = "in-memory";

  public InMemoryPubSub() {
    this(System::currentTimeMillis);
  }

  InMemoryPubSub(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    this.name = metadata.name();
    this.backOff = BackOff.fromMetadata(metadata, DEFAULT_BACK_OFF);
    String threadName = "pubsub-memory-" + metadata.name();
    this.dispatcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public Set<String> features() {
    return Set.of();
  }

  @Override
  public boolean ordered() {
    return true;
  }

  @Override
  public CompletionStage<Void> publish(PublishRequest request) {
    if (closed || dispatcher == null) {
      return CompletableFuture.failedFuture(
          new ComponentException(
              ComponentException.Reason.FAILURE, "pubsub " + name + " is closed"));
    }
    if (request.topic() == null || request.topic().isEmpty()) {
      return CompletableFuture.failedFuture(ComponentException.invalid("the topic is empty"));
    }
    List<Subscriber> subs = topics.get(request.topic());
    if (subs != null) {
      for (Subscriber s : subs) {
        s.offer(
            new Message(
                request.topic(),
                request.data().clone(),
                request.contentType(),
                request.metadata()));
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler) {
    return start(request, 1, Duration.ZERO, new SingleDelivery(handler));
  }

  @Override
  public TopicSubscription bulkSubscribe(
      SubscribeRequest request, BulkSubscribeOptions options, BulkMessageHandler handler) {
    return start(
        request, options.maxMessagesCount(), options.maxAwaitDuration(), new BulkDelivery(handler));
  }

  private TopicSubscription start(
      SubscribeRequest request, int batchSize, Duration maxAwait, Delivery delivery) {
    if (closed || dispatcher == null) {
      throw new ComponentException(
          ComponentException.Reason.FAILURE, "pubsub " + name + " is closed");
    }
    if (request.topic() == null || request.topic().isEmpty()) {
      throw ComponentException.invalid("the topic is empty");
    }
    Subscriber s = new Subscriber(request.topic(), batchSize, maxAwait.toMillis(), delivery);
    topics.computeIfAbsent(request.topic(), t -> new CopyOnWriteArrayList<>()).add(s);
    return () -> {
      s.closed = true;
      List<Subscriber> subs = topics.get(request.topic());
      if (subs != null) {
        subs.remove(s);
      }
      s.run(s::cancelTimer);
    };
  }

  @Override
  public void close() {
    closed = true;
    topics.values().forEach(l -> l.forEach(s -> s.closed = true));
    topics.clear();
    if (dispatcher != null) {
      dispatcher.shutdownNow();
    }
  }

  // ---- delivery

  /** A message waiting in a subscription's queue. Fields are touched on the dispatcher only. */
  private static final class Entry {
    final Message message;
    final String id;
    final long arrivedAt;
    int failures;

    Entry(Message message, String id, long arrivedAt) {
      this.message = message;
      this.id = id;
      this.arrivedAt = arrivedAt;
    }
  }

  /** How a batch of queue entries reaches the handler; completes with the ids to redeliver. */
  private interface Delivery {
    CompletionStage<Set<String>> deliver(String topic, List<Entry> batch);
  }

  private record SingleDelivery(MessageHandler handler) implements Delivery {
    @Override
    public CompletionStage<Set<String>> deliver(String topic, List<Entry> batch) {
      Entry e = batch.get(0);
      return handler.handle(e.message).thenApply(v -> Set.<String>of());
    }
  }

  private record BulkDelivery(BulkMessageHandler handler) implements Delivery {
    @Override
    public CompletionStage<Set<String>> deliver(String topic, List<Entry> batch) {
      List<BulkMessageEntry> entries = new ArrayList<>();
      for (Entry e : batch) {
        entries.add(
            new BulkMessageEntry(
                e.id, e.message.data(), e.message.contentType(), e.message.metadata()));
      }
      return handler.handle(new BulkMessage(topic, entries, Map.of()));
    }
  }

  /**
   * One subscription's queue and its delivery state machine. {@link #offer} may be called from any
   * thread; everything else runs on the dispatcher.
   */
  private final class Subscriber {
    final String topic;
    final int batchSize;
    final long maxAwaitMs;
    final Delivery delivery;
    final ArrayDeque<Entry> queue = new ArrayDeque<>();
    volatile boolean closed;
    boolean inFlight;
    ScheduledFuture<?> timer;
    boolean timerIsRetry;
    long nextId;

    Subscriber(String topic, int batchSize, long maxAwaitMs, Delivery delivery) {
      this.topic = topic;
      this.batchSize = batchSize;
      this.maxAwaitMs = maxAwaitMs;
      this.delivery = delivery;
    }

    void offer(Message m) {
      run(
          () -> {
            queue.addLast(new Entry(m, Long.toString(++nextId), clock.getAsLong()));
            pump();
          });
    }

    void run(Runnable r) {
      try {
        dispatcher.execute(r);
      } catch (RejectedExecutionException e) {
        // the component is closing: nothing more is delivered
      }
    }

    void cancelTimer() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
      queue.clear();
    }

    /** Starts the next delivery when nothing is in flight or waiting. */
    void pump() {
      if (closed || inFlight || queue.isEmpty()) {
        return;
      }
      if (timer != null) {
        if (timerIsRetry || queue.size() < batchSize) {
          return;
        }
        timer.cancel(false);
        timer = null;
      }
      if (queue.size() < batchSize) {
        long wait = queue.peekFirst().arrivedAt + maxAwaitMs - clock.getAsLong();
        if (wait > 0) {
          schedule(wait, false);
          return;
        }
      }
      List<Entry> batch = new ArrayList<>();
      Iterator<Entry> it = queue.iterator();
      while (it.hasNext() && batch.size() < batchSize) {
        batch.add(it.next());
      }
      inFlight = true;
      CompletionStage<Set<String>> stage;
      try {
        stage = delivery.deliver(topic, batch);
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenComplete((failed, err) -> run(() -> finished(batch, failed, err)));
    }

    void finished(List<Entry> batch, Set<String> failed, Throwable err) {
      inFlight = false;
      if (closed) {
        return;
      }
      Map<String, Entry> retry = new HashMap<>();
      for (Entry e : batch) {
        if (err != null || (failed != null && failed.contains(e.id))) {
          e.failures++;
          if (backOff.exhausted(e.failures)) {
            log.error(
                "pubsub {}: giving up a message on topic {} after {} failed deliveries",
                name,
                topic,
                e.failures);
            queue.remove(e);
          } else {
            retry.put(e.id, e);
          }
        } else {
          queue.remove(e);
        }
      }
      if (!retry.isEmpty()) {
        int failures = retry.values().stream().mapToInt(e -> e.failures).max().orElse(1);
        schedule(backOff.delay(failures).toMillis(), true);
        return;
      }
      pump();
    }

    void schedule(long delayMs, boolean isRetry) {
      timerIsRetry = isRetry;
      try {
        timer =
            dispatcher.schedule(
                () -> {
                  timer = null;
                  pump();
                },
                Math.max(0, delayMs),
                TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }
  }
}
