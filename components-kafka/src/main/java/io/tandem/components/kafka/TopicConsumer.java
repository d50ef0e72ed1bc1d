package io.tandem.components.kafka;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a consumer group reading some topics and handing their records to an asynchronous
 * handler, with offsets committed only for what the handler acknowledged.
 *
 * <p><b>Commit rule.</b> Each assigned partition keeps the records fetched and not yet done, in
 * offset order. A record is done when its handler's stage completed normally, or when it was given
 * up (its redeliveries used up, or retries disabled). The partition's commit offset is the offset
 * of its first record not done (or the offset after the last one fetched when all are done), so a
 * failed record holds back the commit of every later one until it is done. On a rebalance, the
 * revoked partitions commit what is done and forget the rest (the next owner redelivers it).
 *
 * <p><b>Order.</b> One record at a time: each partition has at most one record with the handler,
 * and a failed record is redelivered after the back-off before any later one of its partition, so a
 * partition is delivered strictly in order (as Dapr's Kafka component does). Batches: records of
 * all partitions go out together, at most one batch at a time; a failed entry is redelivered on its
 * own after the back-off while later ones continue (its partition's commit waits for it).
 *
 * <p><b>Where the reading starts.</b> A partition with a committed offset resumes there. One
 * without (a new group) starts at {@code initialOffset}: {@code oldest} at its beginning, {@code
 * newest} at the first record published after this consumer was created, found by timestamp, so
 * that what is published right after {@code subscribe} returns is delivered although the group
 * joins later. The start is committed at once, so a rebalance before the first acknowledgement
 * cannot skip anything.
 *
 * <p><b>Threads.</b> The {@link KafkaConsumer} is owned by this consumer's poll thread: it polls,
 * commits, pauses partitions whose backlog reached {@code channelBufferSize} (resuming them at half
 * that) and handles rebalances. Bookkeeping, handler calls and redelivery timers run on the
 * component's dispatcher thread. Handlers must not block.
 */
final class TopicConsumer {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.kafka");
  private static final Duration POLL = Duration.ofMillis(100);

  /** While a partition waits for its backlog to drain, the loop looks more often. */
  private static final Duration POLL_WHILE_PAUSED = Duration.ofMillis(10);

  private static final Duration BARRIER_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration TROUBLE_CLEARS_AFTER = Duration.ofSeconds(2);
  private static final Duration MAX_RETRY_WAIT = Duration.ofSeconds(5);
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** Delivers one record; the stage completing normally acknowledges it. */
  @FunctionalInterface
  interface SingleDelivery {
    CompletionStage<?> deliver(ConsumerRecord<byte[], byte[]> record);
  }

  /** Delivers a batch; completes with the positions (in the list) of the records to redeliver. */
  @FunctionalInterface
  interface BatchDelivery {
    CompletionStage<Set<Integer>> deliver(List<ConsumerRecord<byte[], byte[]>> batch);
  }

  private final KafkaSettings settings;
  private final String label;
  private final String group;
  private final List<String> topics;
  private final SingleDelivery single;
  private final BatchDelivery batch;
  private final int batchMax;
  private final long batchAwaitMs;
  private final long createdAt = System.currentTimeMillis();
  private final ScheduledExecutorService dispatcher;
  private final Thread thread;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean closing;
  private volatile boolean paused;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile String trouble;
  private volatile Set<TopicPartition> assignment = Set.of();
  private final AtomicInteger backlog = new AtomicInteger();

  // poll thread only
  private final Map<TopicPartition, Part> parts = new HashMap<>();
  private long lastFailureAt;
  private int consecutiveFailures;
  private String lastLogged;
  private long lastLoggedAt;

  // dispatcher only
  private final Set<Part> live = new LinkedHashSet<>();
  private final ArrayDeque<Rec> ready = new ArrayDeque<>();
  private boolean batchInFlight;
  private ScheduledFuture<?> flushTimer;

  /** An assigned partition. */
  private static final class Part {
    final TopicPartition tp;

    /** Records fetched and handed over, not yet done (poll thread adds, dispatcher removes). */
    final AtomicInteger outstanding = new AtomicInteger();

    /** Set on the dispatcher once the partition is gone: later completions are ignored. */
    volatile boolean revoked;

    /** The offset to commit, -1 until something is done; written by the dispatcher. */
    volatile long commitOffset = -1;

    /** Poll thread: what was last committed (or -1). */
    long lastCommitted = -1;

    // dispatcher only
    final ArrayDeque<Rec> queue = new ArrayDeque<>();
    long nextOffset = -1;
    Rec current;
    ScheduledFuture<?> retryTimer;

    Part(TopicPartition tp) {
      this.tp = tp;
    }
  }

  /** A fetched record and its delivery state; dispatcher only. */
  private static final class Rec {
    final Part part;
    final ConsumerRecord<byte[], byte[]> record;
    int failures;
    boolean done;
    long readyAt;
    ScheduledFuture<?> retryTimer;

    Rec(Part part, ConsumerRecord<byte[], byte[]> record) {
      this.part = part;
      this.record = record;
    }
  }

  private TopicConsumer(
      KafkaConnection conn,
      String label,
      String group,
      List<String> topics,
      SingleDelivery single,
      BatchDelivery batch,
      int batchMax,
      Duration batchAwait) {
    this.settings = conn.settings;
    this.label = label;
    this.group = group;
    this.topics = List.copyOf(topics);
    this.single = single;
    this.batch = batch;
    this.batchMax = Math.max(1, batchMax);
    this.batchAwaitMs = batchAwait == null ? 0 : batchAwait.toMillis();
    this.dispatcher = conn.dispatcher();
    this.thread =
        new Thread(
            this::run, "tandem-kafka-" + settings.component + "-poll-" + THREADS.incrementAndGet());
    this.thread.setDaemon(true);
  }

  /** Starts a consumer that delivers one record at a time per partition. */
  static TopicConsumer single(
      KafkaConnection conn, String label, String group, List<String> topics, SingleDelivery d) {
    TopicConsumer c = new TopicConsumer(conn, label, group, topics, d, null, 1, null);
    c.thread.start();
    return c;
  }

  /** Starts a consumer that delivers batches of at most {@code max} records. */
  static TopicConsumer batches(
      KafkaConnection conn,
      String label,
      String group,
      List<String> topics,
      int max,
      Duration maxAwait,
      BatchDelivery d) {
    TopicConsumer c = new TopicConsumer(conn, label, group, topics, null, d, max, maxAwait);
    c.thread.start();
    return c;
  }

  // ---- control, from any thread -------------------------------------------------------------

  /** Stops handing out records until {@link #resume}; those handed out still complete. */
  void pause() {
    paused = true;
  }

  void resume() {
    if (paused) {
      paused = false;
      execute(this::pumpAll);
    }
  }

  boolean isPaused() {
    return paused;
  }

  /**
   * Stops delivering at once; the poll thread then commits what is done, leaves the group and
   * completes {@link #stopped()}. Idempotent, never blocks.
   */
  void close() {
    if (closing) {
      return;
    }
    closing = true;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    execute(this::cancelFlush);
  }

  CompletableFuture<Void> stopped() {
    return stopped;
  }

  /** What is wrong with this consumer, or null. */
  String trouble() {
    return trouble;
  }

  /** Records fetched and not yet done, over every assigned partition. */
  int backlog() {
    return backlog.get();
  }

  /** The partitions assigned right now. */
  Set<TopicPartition> assignment() {
    return assignment;
  }

  // ---- the poll thread ----------------------------------------------------------------------

  private void run() {
    try {
      KafkaConsumer<byte[], byte[]> c =
          new KafkaConsumer<>(
              settings.consumer(group), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      consumer = c;
      if (closing) {
        return;
      }
      c.subscribe(topics, new Listener());
      log.debug("{}: consuming {} in group {}", label, topics, group);
      while (!closing) {
        try {
          boolean backlogged = flowControl(c);
          ConsumerRecords<byte[], byte[]> records = c.poll(backlogged ? POLL_WHILE_PAUSED : POLL);
          handOver(records);
          commitProgress(c);
          polledFine();
        } catch (WakeupException e) {
          // close() woke the consumer up
        } catch (InterruptException e) {
          break;
        } catch (RuntimeException e) {
          if (closing) {
            break;
          }
          pollFailed(e);
        }
      }
    } catch (RuntimeException e) {
      trouble = "the Kafka consumer stopped: " + e.getMessage();
      log.error("{}: the Kafka consumer stopped: {}", label, e.toString());
    } finally {
      shutdown();
    }
  }

  /** Pauses and resumes partitions; true when one stays paused for its backlog. */
  private boolean flowControl(KafkaConsumer<byte[], byte[]> c) {
    if (parts.isEmpty()) {
      return false;
    }
    Set<TopicPartition> isPaused = c.paused();
    List<TopicPartition> pause = new ArrayList<>();
    List<TopicPartition> resume = new ArrayList<>();
    int high = settings.channelBufferSize;
    for (Part p : parts.values()) {
      int n = p.outstanding.get();
      boolean now = isPaused.contains(p.tp);
      if (!now && (paused || n >= high)) {
        pause.add(p.tp);
      } else if (now && !paused && n <= high / 2) {
        resume.add(p.tp);
      }
    }
    if (!pause.isEmpty()) {
      c.pause(pause);
    }
    if (!resume.isEmpty()) {
      c.resume(resume);
    }
    return !paused && c.paused().size() > 0;
  }

  private void handOver(ConsumerRecords<byte[], byte[]> records) {
    if (records.isEmpty()) {
      return;
    }
    for (TopicPartition tp : records.partitions()) {
      Part p = parts.get(tp);
      if (p == null) {
        continue;
      }
      List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
      p.outstanding.addAndGet(list.size());
      backlog.addAndGet(list.size());
      execute(() -> accept(p, list));
    }
  }

  /** Commits, without waiting, every partition whose commit offset moved. */
  private void commitProgress(KafkaConsumer<byte[], byte[]> c) {
    Map<TopicPartition, OffsetAndMetadata> due = new HashMap<>();
    for (Part p : parts.values()) {
      long off = p.commitOffset;
      if (off >= 0 && off != p.lastCommitted) {
        due.put(p.tp, new OffsetAndMetadata(off));
        p.lastCommitted = off;
      }
    }
    if (due.isEmpty()) {
      return;
    }
    c.commitAsync(
        due,
        (offsets, err) -> {
          if (err == null) {
            return;
          }
          log.debug("{}: committing {} failed, trying again: {}", label, offsets, err.toString());
          offsets.forEach(
              (tp, o) -> {
                Part p = parts.get(tp);
                if (p != null && p.lastCommitted == o.offset()) {
                  p.lastCommitted = -2;
                }
              });
        });
  }

  private void polledFine() {
    consecutiveFailures = 0;
    if (trouble != null
        && System.currentTimeMillis() - lastFailureAt > TROUBLE_CLEARS_AFTER.toMillis()) {
      trouble = null;
      log.info("{}: consuming again", label);
    }
  }

  private void pollFailed(RuntimeException e) {
    long now = System.currentTimeMillis();
    lastFailureAt = now;
    String msg = e.getMessage() == null ? e.toString() : e.getMessage();
    trouble = "consuming " + topics + " failed: " + msg;
    if (!msg.equals(lastLogged) || now - lastLoggedAt > 60_000) {
      log.warn("{}: consuming {} failed, trying again: {}", label, topics, msg);
      lastLogged = msg;
      lastLoggedAt = now;
    }
    consecutiveFailures++;
    long wait =
        Math.min(
            MAX_RETRY_WAIT.toMillis(),
            Math.max(10, settings.consumeRetryInterval.toMillis())
                << Math.min(consecutiveFailures - 1, 10));
    try {
      Thread.sleep(wait);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      closing = true;
    }
  }

  private final class Listener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      assigned(partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      revoked(partitions, true);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      revoked(partitions, false);
    }
  }

  private void assigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    List<Part> added = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      Part p = new Part(tp);
      parts.put(tp, p);
      added.add(p);
    }
    assignment = Set.copyOf(parts.keySet());
    execute(() -> live.addAll(added));
    KafkaConsumer<byte[], byte[]> c = consumer;
    Set<TopicPartition> set = new HashSet<>(partitions);
    try {
      Map<TopicPartition, OffsetAndMetadata> committed =
          c.committed(set, KafkaSettings.REQUEST_TIMEOUT);
      Set<TopicPartition> fresh = new HashSet<>();
      for (TopicPartition tp : set) {
        OffsetAndMetadata o = committed.get(tp);
        if (o == null) {
          fresh.add(tp);
        } else {
          parts.get(tp).lastCommitted = o.offset();
        }
      }
      if (!fresh.isEmpty()) {
        Map<TopicPartition, Long> start = startOffsets(c, fresh);
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        start.forEach(
            (tp, off) -> {
              c.seek(tp, off);
              commit.put(tp, new OffsetAndMetadata(off));
              parts.get(tp).lastCommitted = off;
            });
        c.commitSync(commit, KafkaSettings.REQUEST_TIMEOUT);
        log.debug("{}: group {} starts {} at {}", label, group, fresh, start);
      }
    } catch (WakeupException e) {
      throw e;
    } catch (RuntimeException e) {
      log.warn(
          "{}: cannot settle where {} start ({}); they start at the {} offset",
          label,
          set,
          e.getMessage(),
          settings.initialOffset == KafkaSettings.InitialOffset.OLDEST ? "earliest" : "latest");
    }
    log.debug("{}: assigned {}", label, partitions);
  }

  private Map<TopicPartition, Long> startOffsets(
      KafkaConsumer<byte[], byte[]> c, Set<TopicPartition> fresh) {
    if (settings.initialOffset == KafkaSettings.InitialOffset.OLDEST) {
      return c.beginningOffsets(fresh, KafkaSettings.REQUEST_TIMEOUT);
    }
    // the end first: a record that lands between the two calls is then delivered, not skipped
    Map<TopicPartition, Long> end = c.endOffsets(fresh, KafkaSettings.REQUEST_TIMEOUT);
    Map<TopicPartition, Long> query = new HashMap<>();
    fresh.forEach(tp -> query.put(tp, createdAt));
    Map<TopicPartition, OffsetAndTimestamp> found =
        c.offsetsForTimes(query, KafkaSettings.REQUEST_TIMEOUT);
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : fresh) {
      OffsetAndTimestamp t = found.get(tp);
      out.put(tp, t != null ? t.offset() : end.get(tp));
    }
    return out;
  }

  private void revoked(Collection<TopicPartition> partitions, boolean commit) {
    List<Part> gone = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      Part p = parts.remove(tp);
      if (p != null) {
        gone.add(p);
      }
    }
    assignment = Set.copyOf(parts.keySet());
    if (gone.isEmpty()) {
      return;
    }
    barrier(() -> forget(gone), gone);
    if (commit) {
      commitFinal(gone);
    }
    log.debug("{}: {} {}", label, commit ? "revoked" : "lost", partitions);
  }

  /**
   * Runs {@code task} on the dispatcher after everything queued there, and waits: afterwards, the
   * commit offsets of {@code gone} no longer move.
   */
  private void barrier(Runnable task, List<Part> gone) {
    try {
      dispatcher.submit(task).get(BARRIER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return;
    } catch (RejectedExecutionException e) {
      // the component is closing: nothing runs on the dispatcher any more
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("{}: settling the partitions given up: {}", label, e.toString());
    }
    gone.forEach(p -> p.revoked = true);
  }

  private void commitFinal(List<Part> gone) {
    Map<TopicPartition, OffsetAndMetadata> due = new HashMap<>();
    for (Part p : gone) {
      long off = p.commitOffset;
      if (off >= 0 && off != p.lastCommitted) {
        due.put(p.tp, new OffsetAndMetadata(off));
      }
    }
    if (due.isEmpty()) {
      return;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        consumer.commitSync(due, KafkaSettings.REQUEST_TIMEOUT);
        gone.forEach(p -> p.lastCommitted = p.commitOffset);
        return;
      } catch (WakeupException e) {
        // close() raced with the commit: once more
      } catch (RuntimeException e) {
        log.warn(
            "{}: cannot commit {} ({}): those messages will be delivered again",
            label,
            due,
            e.getMessage());
        return;
      }
    }
  }

  private void shutdown() {
    KafkaConsumer<byte[], byte[]> c = consumer;
    try {
      if (c != null) {
        List<Part> all = new ArrayList<>(parts.values());
        parts.clear();
        assignment = Set.of();
        if (!all.isEmpty()) {
          barrier(() -> forget(all), all);
          commitFinal(all);
        }
        try {
          c.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
          log.debug("{}: closing the consumer: {}", label, e.toString());
        }
      }
    } finally {
      log.debug("{}: stopped consuming {}", label, topics);
      stopped.complete(null);
    }
  }

  // ---- the dispatcher -----------------------------------------------------------------------

  private void execute(Runnable task) {
    try {
      dispatcher.execute(task);
    } catch (RejectedExecutionException e) {
      // the component is closing
    }
  }

  private ScheduledFuture<?> schedule(Runnable task, long delayMs) {
    try {
      return dispatcher.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  private void forget(List<Part> gone) {
    for (Part p : gone) {
      p.revoked = true;
      backlog.addAndGet(-p.outstanding.getAndSet(0));
      live.remove(p);
      cancel(p.retryTimer);
      for (Rec r : p.queue) {
        cancel(r.retryTimer);
      }
    }
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private void cancelFlush() {
    cancel(flushTimer);
    flushTimer = null;
  }

  private void accept(Part p, List<ConsumerRecord<byte[], byte[]>> records) {
    if (p.revoked) {
      return;
    }
    long now = System.currentTimeMillis();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      Rec rec = new Rec(p, r);
      p.queue.addLast(rec);
      p.nextOffset = r.offset() + 1;
      if (batch != null) {
        rec.readyAt = now;
        ready.addLast(rec);
      }
    }
    if (batch != null) {
      pumpBatch();
    } else {
      pumpSingle(p);
    }
  }

  private void pumpAll() {
    if (batch != null) {
      pumpBatch();
    } else {
      new ArrayList<>(live).forEach(this::pumpSingle);
    }
  }

  /** Marks {@code rec} done and moves its partition's commit offset past the done prefix. */
  private void done(Rec rec) {
    rec.done = true;
    Part p = rec.part;
    p.outstanding.decrementAndGet();
    backlog.decrementAndGet();
    while (!p.queue.isEmpty() && p.queue.peekFirst().done) {
      p.queue.pollFirst();
    }
    Rec head = p.queue.peekFirst();
    p.commitOffset = head == null ? p.nextOffset : head.record.offset();
  }

  /** Counts a failure; true when {@code rec} is given up rather than redelivered. */
  private boolean giveUp(Rec rec, Throwable err) {
    rec.failures++;
    ConsumerRecord<byte[], byte[]> r = rec.record;
    if (!settings.consumeRetryEnabled || settings.backOff.exhausted(rec.failures)) {
      log.error(
          "{}: giving up the message at {}-{} offset {} after {} failed deliveries: {}",
          label,
          r.topic(),
          r.partition(),
          r.offset(),
          rec.failures,
          err == null ? "the handler reported it failed" : err.getMessage());
      return true;
    }
    log.debug(
        "{}: delivering {}-{} offset {} failed ({}), again in {}",
        label,
        r.topic(),
        r.partition(),
        r.offset(),
        err == null ? "the handler reported it failed" : err.getMessage(),
        settings.backOff.delay(rec.failures));
    return false;
  }

  // one at a time per partition

  private void pumpSingle(Part p) {
    if (p.revoked || closing || paused || p.current != null) {
      return;
    }
    Rec head = p.queue.peekFirst();
    if (head == null) {
      return;
    }
    p.current = head;
    deliverSingle(head);
  }

  private void deliverSingle(Rec rec) {
    CompletionStage<?> stage;
    try {
      stage = single.deliver(rec.record);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete((v, err) -> execute(() -> singleDone(rec, err)));
  }

  private void singleDone(Rec rec, Throwable err) {
    Part p = rec.part;
    if (p.revoked) {
      return;
    }
    if (err == null || giveUp(rec, err)) {
      p.current = null;
      done(rec);
      pumpSingle(p);
      return;
    }
    p.retryTimer =
        schedule(
            () -> {
              p.retryTimer = null;
              if (p.revoked) {
                return;
              }
              if (closing || paused) {
                p.current = null;
                return;
              }
              deliverSingle(rec);
            },
            settings.backOff.delay(rec.failures).toMillis());
  }

  // batches

  private void pumpBatch() {
    if (batchInFlight || closing || paused) {
      return;
    }
    ready.removeIf(r -> r.part.revoked);
    if (ready.isEmpty()) {
      cancelFlush();
      return;
    }
    long now = System.currentTimeMillis();
    Rec first = ready.peekFirst();
    long due = first.readyAt + batchAwaitMs;
    if (ready.size() < batchMax && now < due) {
      if (flushTimer == null) {
        flushTimer =
            schedule(
                () -> {
                  flushTimer = null;
                  pumpBatch();
                },
                due - now);
      }
      return;
    }
    cancelFlush();
    List<Rec> take = new ArrayList<>();
    while (take.size() < batchMax && !ready.isEmpty()) {
      take.add(ready.pollFirst());
    }
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(take.size());
    take.forEach(r -> records.add(r.record));
    batchInFlight = true;
    CompletionStage<Set<Integer>> stage;
    try {
      stage = batch.deliver(records);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete((failed, err) -> execute(() -> batchDone(take, failed, err)));
  }

  private void batchDone(List<Rec> take, Set<Integer> failed, Throwable err) {
    batchInFlight = false;
    for (int i = 0; i < take.size(); i++) {
      Rec r = take.get(i);
      if (r.part.revoked) {
        continue;
      }
      boolean bad = err != null || (failed != null && failed.contains(i));
      if (!bad || giveUp(r, err)) {
        done(r);
        continue;
      }
      r.retryTimer =
          schedule(
              () -> {
                r.retryTimer = null;
                if (r.part.revoked) {
                  return;
                }
                r.readyAt = System.currentTimeMillis();
                ready.addLast(r);
                pumpBatch();
              },
              settings.backOff.delay(r.failures).toMillis());
    }
    pumpBatch();
  }
}
