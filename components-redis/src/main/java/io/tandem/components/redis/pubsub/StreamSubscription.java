package io.tandem.components.redis.pubsub;

import io.tandem.components.pubsub.BackOff;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.redis.RedisLink;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;

/**
 * One subscription: a consumer of the topic's stream in the app's consumer group, with a name of
 * its own.
 *
 * <p>A reader holds a dedicated connection and loops on {@code XREADGROUP ... BLOCK}, asking for no
 * more messages than there is room for: at most {@code queueDepth} messages wait for the handler
 * (those waiting out a back-off included), and at most {@code concurrency} handler calls run at
 * once. A message is acknowledged ({@code XACK}) once its handler's stage completed normally; a
 * failed one goes back to the head of the queue after the back-off. Every {@code
 * redeliverInterval}, {@code XAUTOCLAIM} takes over the messages that stayed pending longer than
 * {@code processingTimeout} with any consumer of the group (a dead sidecar, one cut off from
 * Redis), and, every third of {@code processingTimeout}, the messages this subscription still holds
 * are touched so that no other consumer takes them while their handler runs.
 *
 * <p>All state is confined to one Vert.x context; Redis replies and handler completions hop onto
 * it.
 */
final class StreamSubscription {
  /** How long one {@code XREADGROUP} blocks waiting for messages. */
  static final long BLOCK_MILLIS = 2000;

  /** How long a consumer with nothing pending stays idle before it is removed from the group. */
  static final long STALE_CONSUMER_MILLIS = 3_600_000;

  /**
   * Resets the idle time of the entries still pending with this consumer, and only those: an entry
   * another consumer claimed meanwhile is left to it. KEYS[1] stream, ARGV[1] group, ARGV[2]
   * consumer, ARGV[3..] ids.
   */
  static final String TOUCH_SCRIPT =
      "local owned = 0\n"
          + "for i = 3, #ARGV do\n"
          + "  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)\n"
          + "  if p[1] ~= nil and p[1][2] == ARGV[2] then\n"
          + "    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')\n"
          + "    owned = owned + 1\n"
          + "  end\n"
          + "end\n"
          + "return owned\n";

  private static final int TOUCH_BATCH = 500;

  private final RedisPubSub owner;
  private final Logger log;
  private final String topic;
  private final String group;
  private final String consumer;
  private final MessageHandler handler;
  private final StreamsConfig config;
  private final String troubleKey;
  private final Vertx vertx;
  private final Context context;

  // ---- confined to the context
  private final Map<String, Entry> held = new LinkedHashMap<>();
  private final ArrayDeque<Entry> ready = new ArrayDeque<>();
  private int handling;
  private int waitingRetry;

  /**
   * Messages asked for by the XAUTOCLAIM under way. (Those of the blocked XREADGROUP are not
   * counted: reclaiming must not wait for the reader, so together they may exceed queueDepth.)
   */
  private int reserved;

  private RedisConnection conn;
  private long clientId = -1;
  private boolean busy;
  private boolean groupReady;
  private int failures;
  private boolean reclaiming;
  private boolean touching;
  private long reclaimTimer = -1;
  private long touchTimer = -1;
  private long lastPrune;
  private volatile boolean closed;

  /** A message read from the stream and not yet acknowledged. */
  private static final class Entry {
    final String id;
    final Message message;
    int failures;
    int ackFailures;

    Entry(String id, Message message) {
      this.id = id;
      this.message = message;
    }
  }

  StreamSubscription(
      RedisPubSub owner, String topic, String consumer, MessageHandler handler, Logger log) {
    this.owner = owner;
    this.log = log;
    this.topic = topic;
    this.config = owner.config();
    this.group = config.consumerId();
    this.consumer = consumer;
    this.handler = handler;
    this.troubleKey = "subscription " + topic + " (" + consumer + ")";
    this.vertx = owner.vertx();
    this.context = vertx.getOrCreateContext();
  }

  String consumer() {
    return consumer;
  }

  void start() {
    run(this::read);
  }

  /** Stops reading; messages read and not acknowledged stay pending for another consumer. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    run(
        () -> {
          cancelTimers();
          ready.clear();
          owner.troubles().clear(troubleKey);
          if (!busy) {
            dropConnection();
          } else if (conn != null && clientId >= 0) {
            // wake the blocked XREADGROUP up: it returns nothing, and the reader then lets go
            owner.command(Request.cmd(Command.CLIENT).arg("UNBLOCK").arg(clientId));
          }
        });
  }

  // ---- the reader

  private int room() {
    return config.queueDepth() - ready.size() - waitingRetry - reserved;
  }

  /** Room for reclaimed messages: the blocked read's request is not waited for. */
  private int roomToReclaim() {
    return config.queueDepth() - ready.size() - waitingRetry;
  }

  private void read() {
    if (busy) {
      return;
    }
    if (closed) {
      dropConnection();
      return;
    }
    if (conn == null) {
      connect();
      return;
    }
    if (!groupReady) {
      createGroup();
      return;
    }
    int room = room();
    if (room <= 0) {
      return; // pump() calls back when the handler has taken messages
    }
    busy = true;
    conn.send(
            Request.cmd(Command.XREADGROUP)
                .arg("GROUP")
                .arg(group)
                .arg(consumer)
                .arg("COUNT")
                .arg(room)
                .arg("BLOCK")
                .arg(BLOCK_MILLIS)
                .arg("STREAMS")
                .arg(topic)
                .arg(">"))
        .onComplete(ar -> run(() -> afterRead(ar)));
  }

  private void afterRead(AsyncResult<Response> ar) {
    busy = false;
    if (ar.failed()) {
      Throwable err = ar.cause();
      if (RedisLink.isErrorReply(err)) {
        if (String.valueOf(err.getMessage()).startsWith("NOGROUP")) {
          log.warn(
              "pubsub {}: consumer group {} of stream {} is gone (was the key deleted, or Redis"
                  + " restarted without persistence?): creating it again",
              owner.name(),
              group,
              topic);
          groupReady = false;
          read();
          return;
        }
        failed("reading stream " + topic + " failed: " + owner.describe(err));
        return;
      }
      dropConnection();
      failed("reading stream " + topic + ": " + owner.describe(err));
      return;
    }
    recovered();
    if (closed) {
      dropConnection(); // what this last read returned stays pending for another consumer
      return;
    }
    accept(ar.result());
    pump();
  }

  private void connect() {
    busy = true;
    owner
        .readers()
        .connect()
        .onComplete(
            ar ->
                run(
                    () -> {
                      busy = false;
                      if (ar.failed()) {
                        failed("cannot connect: " + owner.describe(ar.cause()));
                        return;
                      }
                      conn = ar.result();
                      clientId = -1;
                      conn.exceptionHandler(
                          e ->
                              log.debug(
                                  "pubsub {}: reader of {}: {}",
                                  owner.name(),
                                  topic,
                                  owner.describe(e)));
                      busy = true;
                      // named after the consumer, so that CLIENT LIST shows who reads; the id
                      // lets close() wake the blocked read up
                      conn.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(consumer))
                          .compose(ok -> conn.send(Request.cmd(Command.CLIENT).arg("ID")))
                          .onComplete(
                              id ->
                                  run(
                                      () -> {
                                        busy = false;
                                        if (id.succeeded() && id.result() != null) {
                                          clientId = id.result().toLong();
                                        }
                                        read();
                                      }));
                    }));
  }

  private void createGroup() {
    busy = true;
    conn.send(
            Request.cmd(Command.XGROUP)
                .arg("CREATE")
                .arg(topic)
                .arg(group)
                .arg("0")
                .arg("MKSTREAM"))
        .onComplete(
            ar ->
                run(
                    () -> {
                      busy = false;
                      Throwable err = ar.failed() ? ar.cause() : null;
                      if (err == null
                          || (RedisLink.isErrorReply(err)
                              && String.valueOf(err.getMessage()).startsWith("BUSYGROUP"))) {
                        groupReady = true;
                        recovered();
                        startTimers();
                        read();
                        return;
                      }
                      if (!RedisLink.isErrorReply(err)) {
                        dropConnection();
                      }
                      failed(
                          "cannot create consumer group "
                              + group
                              + " on stream "
                              + topic
                              + ": "
                              + owner.describe(err));
                    }));
  }

  /** Something went wrong: try again at once the first time, then report and back off. */
  private void failed(String what) {
    failures++;
    if (closed) {
      dropConnection();
      return;
    }
    if (failures == 1) {
      log.debug("pubsub {}: {}; retrying", owner.name(), what);
      read();
      return;
    }
    if (!owner.troubles().has(troubleKey)) {
      log.warn("pubsub {}: {}; retrying with back-off", owner.name(), what);
    }
    owner
        .troubles()
        .set(
            troubleKey,
            "pubsub " + owner.name() + ": " + owner.server() + ": " + what + ", retrying");
    schedule(owner.reconnectDelay(failures - 1), this::read);
  }

  private void recovered() {
    if (failures > 0 && owner.troubles().has(troubleKey)) {
      log.info("pubsub {}: reading stream {} again", owner.name(), topic);
    }
    failures = 0;
    owner.troubles().clear(troubleKey);
  }

  private void dropConnection() {
    if (conn != null) {
      conn.close();
      conn = null;
      clientId = -1;
    }
    groupReady = false;
  }

  /** Takes the entries of an XREADGROUP reply (RESP2: [[stream, [[id, fields], ...]]]). */
  private void accept(Response reply) {
    if (reply == null) {
      return;
    }
    if (reply.isMap()) {
      for (String key : reply.getKeys()) {
        takeAll(reply.get(key));
      }
      return;
    }
    for (Response stream : reply) {
      if (stream != null && stream.size() > 1) {
        takeAll(stream.get(1));
      }
    }
  }

  private int takeAll(Response entries) {
    int n = 0;
    if (entries != null) {
      for (Response e : entries) {
        if (take(e)) {
          n++;
        }
      }
    }
    return n;
  }

  /** Queues one entry for the handler, unless this subscription holds it already. */
  private boolean take(Response entry) {
    if (entry == null || entry.size() < 1 || entry.get(0) == null) {
      return false;
    }
    String id = entry.get(0).toString();
    Response fields = entry.size() > 1 ? entry.get(1) : null;
    if (fields == null) {
      // the entry was trimmed away while pending (Redis 6.2 still hands its id out): forget it
      owner.command(Request.cmd(Command.XACK).arg(topic).arg(group).arg(id));
      return false;
    }
    if (held.containsKey(id)) {
      return false;
    }
    Map<String, byte[]> values = new HashMap<>();
    if (fields.isMap()) {
      for (String k : fields.getKeys()) {
        Response v = fields.get(k);
        values.put(k, v == null ? null : v.toBytes());
      }
    } else {
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        Response k = fields.get(i);
        Response v = fields.get(i + 1);
        if (k != null && v != null) {
          values.put(k.toString(), v.toBytes());
        }
      }
    }
    Message m;
    try {
      m = StreamWire.message(topic, values);
    } catch (IllegalArgumentException e) {
      log.warn(
          "pubsub {}: message {} of topic {} has unreadable metadata; delivering it without",
          owner.name(),
          id,
          topic);
      m = new Message(topic, values.get(StreamWire.DATA), null, Map.of());
    }
    Entry e = new Entry(id, m);
    held.put(id, e);
    ready.addLast(e);
    return true;
  }

  // ---- the handler

  private void pump() {
    while (!closed && handling < config.concurrency() && !ready.isEmpty()) {
      Entry e = ready.pollFirst();
      handling++;
      CompletionStage<Void> stage;
      try {
        stage = handler.handle(e.message);
        if (stage == null) {
          stage = CompletableFuture.failedFuture(new NullPointerException("no stage returned"));
        }
      } catch (RuntimeException ex) {
        stage = CompletableFuture.failedFuture(ex);
      }
      stage.whenComplete((v, err) -> run(() -> handled(e, err)));
    }
    read();
  }

  private void handled(Entry e, Throwable err) {
    handling--;
    if (err == null) {
      ack(e);
    } else if (closed) {
      held.remove(e.id); // stays pending in Redis; another consumer reclaims it
    } else {
      e.failures++;
      BackOff backOff = config.backOff();
      if (backOff.exhausted(e.failures)) {
        log.error(
            "pubsub {}: giving up message {} of topic {} after {} failed deliveries",
            owner.name(),
            e.id,
            topic,
            e.failures);
        ack(e);
      } else {
        waitingRetry++;
        long delay = backOff.delay(e.failures).toMillis();
        log.debug(
            "pubsub {}: message {} of topic {} failed ({}); redelivering in {} ms",
            owner.name(),
            e.id,
            topic,
            owner.describe(err),
            delay);
        schedule(
            delay,
            () -> {
              waitingRetry--;
              if (!closed) {
                ready.addFirst(e);
              }
              pump();
            });
      }
    }
    pump();
  }

  private void ack(Entry e) {
    owner
        .command(Request.cmd(Command.XACK).arg(topic).arg(group).arg(e.id))
        .onComplete(
            ar ->
                run(
                    () -> {
                      if (ar.succeeded()) {
                        held.remove(e.id);
                        return;
                      }
                      if (RedisLink.isErrorReply(ar.cause())) {
                        log.warn(
                            "pubsub {}: XACK of message {} on {} refused: {}",
                            owner.name(),
                            e.id,
                            topic,
                            owner.describe(ar.cause()));
                        held.remove(e.id);
                        return;
                      }
                      // the pool's trouble is the link's to report
                      if (closed || owner.isClosed()) {
                        held.remove(e.id);
                        return;
                      }
                      e.ackFailures++;
                      schedule(owner.reconnectDelay(e.ackFailures), () -> ack(e));
                    }));
  }

  // ---- reclaiming and keeping what we hold

  private void startTimers() {
    if (!config.reclaims() || reclaimTimer >= 0 || closed) {
      return;
    }
    long every = Math.max(1, config.redeliverInterval().toMillis());
    long touchEvery = Math.max(10, config.processingTimeout().toMillis() / 3);
    reclaimTimer = vertx.setPeriodic(every, t -> run(() -> reclaim("0-0")));
    touchTimer = vertx.setPeriodic(touchEvery, t -> run(this::touch));
    reclaim("0-0");
  }

  private void cancelTimers() {
    if (reclaimTimer >= 0) {
      vertx.cancelTimer(reclaimTimer);
      reclaimTimer = -1;
    }
    if (touchTimer >= 0) {
      vertx.cancelTimer(touchTimer);
      touchTimer = -1;
    }
  }

  /** Claims messages pending too long with any consumer of the group, as room allows. */
  private void reclaim(String cursor) {
    if (closed || reclaiming) {
      return;
    }
    int room = roomToReclaim();
    if (room <= 0) {
      return;
    }
    reclaiming = true;
    reserved += room;
    owner
        .command(
            Request.cmd(Command.XAUTOCLAIM)
                .arg(topic)
                .arg(group)
                .arg(consumer)
                .arg(config.processingTimeout().toMillis())
                .arg(cursor)
                .arg("COUNT")
                .arg(room))
        .onComplete(
            ar ->
                run(
                    () -> {
                      reclaiming = false;
                      reserved -= room;
                      if (ar.failed()) {
                        if (RedisLink.isErrorReply(ar.cause())
                            && !String.valueOf(ar.cause().getMessage()).startsWith("NOGROUP")) {
                          log.warn(
                              "pubsub {}: XAUTOCLAIM on {} failed: {}",
                              owner.name(),
                              topic,
                              owner.describe(ar.cause()));
                        }
                        return;
                      }
                      Response r = ar.result();
                      if (closed || r == null || r.size() < 2) {
                        return;
                      }
                      int n = takeAll(r.get(1));
                      if (n > 0) {
                        log.info(
                            "pubsub {}: reclaimed {} message(s) of topic {} pending for more than"
                                + " {} ms",
                            owner.name(),
                            n,
                            topic,
                            config.processingTimeout().toMillis());
                      }
                      pump();
                      String next = r.get(0) == null ? "0-0" : r.get(0).toString();
                      if (!"0-0".equals(next)) {
                        reclaim(next);
                      } else {
                        pruneConsumers();
                      }
                    }));
  }

  /** Keeps the messages this subscription holds from being claimed by other consumers. */
  private void touch() {
    if (closed || touching || held.isEmpty()) {
      return;
    }
    touching = true;
    touchFrom(new ArrayList<>(held.keySet()), 0);
  }

  private void touchFrom(List<String> ids, int from) {
    if (closed || from >= ids.size()) {
      touching = false;
      return;
    }
    int to = Math.min(ids.size(), from + TOUCH_BATCH);
    Request r =
        Request.cmd(Command.EVAL).arg(TOUCH_SCRIPT).arg(1).arg(topic).arg(group).arg(consumer);
    for (String id : ids.subList(from, to)) {
      r.arg(id);
    }
    owner
        .command(r)
        .onComplete(
            ar ->
                run(
                    () -> {
                      if (ar.failed()) {
                        touching = false;
                        if (RedisLink.isErrorReply(ar.cause())) {
                          log.warn(
                              "pubsub {}: keeping pending messages of {} failed: {}",
                              owner.name(),
                              topic,
                              owner.describe(ar.cause()));
                        }
                        return;
                      }
                      touchFrom(ids, to);
                    }));
  }

  /**
   * Removes the group's consumers that have nothing pending and have not read for an hour: every
   * Tandem subscription is a consumer of its own, so sidecars that went away would otherwise stay
   * listed for ever. A consumer removed while alive is created again by its next read.
   */
  private void pruneConsumers() {
    long now = System.currentTimeMillis();
    if (now - lastPrune < STALE_CONSUMER_MILLIS / 6) {
      return;
    }
    lastPrune = now;
    owner
        .command(Request.cmd(Command.XINFO).arg("CONSUMERS").arg(topic).arg(group))
        .onComplete(
            ar -> {
              if (ar.failed() || ar.result() == null) {
                return;
              }
              for (Response c : ar.result()) {
                Map<String, Response> f = fields(c);
                Response name = f.get("name");
                Response pending = f.get("pending");
                Response idle = f.get("idle");
                if (name == null || pending == null || idle == null) {
                  continue;
                }
                if (pending.toLong() == 0
                    && idle.toLong() > STALE_CONSUMER_MILLIS
                    && !consumer.equals(name.toString())) {
                  log.info(
                      "pubsub {}: removing consumer {} of group {} on {}: idle for {} ms",
                      owner.name(),
                      name,
                      group,
                      topic,
                      idle.toLong());
                  owner.command(
                      Request.cmd(Command.XGROUP)
                          .arg("DELCONSUMER")
                          .arg(topic)
                          .arg(group)
                          .arg(name.toString()));
                }
              }
            });
  }

  private static Map<String, Response> fields(Response r) {
    Map<String, Response> out = new HashMap<>();
    if (r == null) {
      return out;
    }
    if (r.isMap()) {
      for (String k : r.getKeys()) {
        out.put(k, r.get(k));
      }
      return out;
    }
    for (int i = 0; i + 1 < r.size(); i += 2) {
      if (r.get(i) != null) {
        out.put(r.get(i).toString(), r.get(i + 1));
      }
    }
    return out;
  }

  // ---- context plumbing

  private void schedule(long delayMillis, Runnable r) {
    try {
      vertx.setTimer(Math.max(1, delayMillis), t -> run(r));
    } catch (IllegalStateException | RejectedExecutionException e) {
      // Vert.x is closing
    }
  }

  private void run(Runnable r) {
    try {
      context.runOnContext(v -> r.run());
    } catch (IllegalStateException | RejectedExecutionException e) {
      // Vert.x is closing
    }
  }
}
