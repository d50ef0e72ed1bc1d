package io.tandem.components.redis.configuration;

import io.tandem.components.ComponentException;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationListener;
import io.tandem.components.configuration.ConfigurationWatch;
import io.tandem.components.redis.RedisLink;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration store's watches, fed by Redis keyspace notifications on one dedicated
 * connection: {@code SUBSCRIBE __keyspace@<db>__:<key>} per watched key, {@code PSUBSCRIBE
 * __keyspace@<db>__:*} for watches of every key.
 *
 * <p>The server must publish keyspace events for generic, string and expiry events (flags {@code
 * K}, {@code g}, {@code $}, {@code x}). Each subscribe checks {@code notify-keyspace-events}; when
 * flags are missing it adds them with {@code CONFIG SET} (Dapr sets {@code KA} unconditionally),
 * and when the server refuses that, the subscribe fails saying what to configure. When the server
 * refuses {@code CONFIG GET} itself (some managed services), the check is skipped with a warning.
 *
 * <p>An event is turned into the key's current value (a GET), or an empty item for {@code del},
 * {@code expired}, {@code evicted} and {@code rename_from}. Events are handled one after another so
 * that a listener always ends on the key's latest state. When the connection drops, trouble is
 * reported and the subscriber reconnects with backoff, re-checks the notification flags (a
 * restarted server forgets a {@code CONFIG SET}) and resubscribes every channel.
 */
final class KeyspaceSubscriber {
  private static final Logger LOG =
      LoggerFactory.getLogger("tandem.components.redis.configuration");
  private static final String NOTIFY = "notify-keyspace-events";
  private static final Set<String> GONE = Set.of("del", "expired", "evicted", "rename_from");
  private static final Set<String> NO_CHANGE = Set.of("expire", "persist", "new");

  private final String component;
  private final RedisLink link;
  private final Function<List<String>, CompletionStage<Map<String, ConfigurationItem>>> reader;
  private final String prefix;
  private final String allPattern;
  private final Redis client;

  private final Set<Watch> watches = new CopyOnWriteArraySet<>();
  // guarded by this
  private final Map<String, Integer> refs = new HashMap<>();
  private final Map<String, CompletableFuture<Void>> confirmed = new HashMap<>();
  private RedisConnection connection;
  private CompletableFuture<RedisConnection> connecting;
  private boolean closed;
  private boolean down;
  private int reconnects;
  private long retryTimer = -1;
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  private volatile String trouble;

  KeyspaceSubscriber(
      String component,
      RedisLink link,
      Function<List<String>, CompletionStage<Map<String, ConfigurationItem>>> reader) {
    this.component = component;
    this.link = link;
    this.reader = reader;
    this.prefix = "__keyspace@" + link.settings().database() + "__:";
    this.allPattern = prefix + "*";
    this.client = link.newClient();
  }

  Optional<String> trouble() {
    return Optional.ofNullable(trouble);
  }

  /** Channel keys: "s:" + channel for SUBSCRIBE, "p:" + pattern for PSUBSCRIBE. */
  private List<String> channelsOf(Set<String> keys) {
    List<String> out = new ArrayList<>();
    if (keys.isEmpty()) {
      out.add("p:" + allPattern);
    } else {
      for (String k : keys) {
        out.add("s:" + prefix + k);
      }
    }
    return out;
  }

  CompletionStage<ConfigurationWatch> watch(List<String> keys, ConfigurationListener listener) {
    Watch w = new Watch(Set.copyOf(new LinkedHashSet<>(keys)), listener);
    CompletableFuture<ConfigurationWatch> out = new CompletableFuture<>();
    long deadline =
        link.vertx()
            .setTimer(
                link.waitLimit().toMillis(),
                id ->
                    out.completeExceptionally(
                        ComponentException.failure(
                            "component "
                                + component
                                + ": subscribing timed out (Redis did not confirm)",
                            null)));
    out.whenComplete((ok, err) -> link.vertx().cancelTimer(deadline));
    ensureNotifications()
        .thenCompose(v -> connection())
        .thenCompose(
            conn -> {
              List<CompletableFuture<Void>> waits = new ArrayList<>();
              synchronized (this) {
                watches.add(w);
                for (String ch : channelsOf(w.keys)) {
                  int n = refs.merge(ch, 1, Integer::sum);
                  if (n == 1) {
                    waits.add(subscribeOn(conn, ch));
                  } else {
                    waits.add(confirmed.computeIfAbsent(ch, c -> new CompletableFuture<>()));
                  }
                }
              }
              return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new));
            })
        .whenComplete(
            (ok, err) -> {
              if (err != null) {
                w.close();
                out.completeExceptionally(
                    err instanceof ComponentException ce
                        ? ce
                        : unwrapComponent(err)
                            .orElseGet(
                                () ->
                                    ComponentException.failure(
                                        "component "
                                            + component
                                            + ": subscribe failed: "
                                            + link.describe(err),
                                        err)));
              } else if (!out.complete(w)) {
                w.close();
              }
            });
    return out;
  }

  private static Optional<ComponentException> unwrapComponent(Throwable t) {
    Throwable c = t;
    while (c != null) {
      if (c instanceof ComponentException ce) {
        return Optional.of(ce);
      }
      c = c.getCause();
    }
    return Optional.empty();
  }

  /** Sends the (P)SUBSCRIBE; the future completes when Redis confirms it. */
  private synchronized CompletableFuture<Void> subscribeOn(RedisConnection conn, String ch) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    confirmed.put(ch, f);
    Request r =
        ch.startsWith("p:")
            ? Request.cmd(Command.PSUBSCRIBE).arg(ch.substring(2))
            : Request.cmd(Command.SUBSCRIBE).arg(ch.substring(2));
    conn.send(r)
        .onFailure(
            e ->
                f.completeExceptionally(
                    ComponentException.failure(
                        "component " + component + ": subscribe failed: " + link.describe(e), e)));
    return f;
  }

  private synchronized void release(Watch w) {
    if (!watches.remove(w)) {
      return;
    }
    for (String ch : channelsOf(w.keys)) {
      Integer n = refs.get(ch);
      if (n == null) {
        continue;
      }
      if (n > 1) {
        refs.put(ch, n - 1);
        continue;
      }
      refs.remove(ch);
      confirmed.remove(ch);
      if (connection != null && !down) {
        Request r =
            ch.startsWith("p:")
                ? Request.cmd(Command.PUNSUBSCRIBE).arg(ch.substring(2))
                : Request.cmd(Command.UNSUBSCRIBE).arg(ch.substring(2));
        connection.send(r);
      }
    }
  }

  // ---- notifications setting ----

  private CompletionStage<Void> ensureNotifications() {
    return link.send(Request.cmd(Command.CONFIG).arg("GET").arg(NOTIFY))
        .handle(
            (r, err) -> {
              if (err != null) {
                if (!RedisLink.isErrorReply(err)) {
                  throw new java.util.concurrent.CompletionException(err);
                }
                LOG.warn(
                    "component {}: cannot read {} ({}); assuming the server publishes keyspace"
                        + " events",
                    component,
                    NOTIFY,
                    link.describe(err));
                return CompletableFuture.<Void>completedFuture(null);
              }
              String flags = flagsOf(r);
              String wanted = missingFlags(flags);
              if (wanted.isEmpty()) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              String set = flags + wanted;
              return link.send(Request.cmd(Command.CONFIG).arg("SET").arg(NOTIFY).arg(set))
                  .handle(
                      (ok, e) -> {
                        if (e != null) {
                          throw new ComponentException(
                              ComponentException.Reason.FAILURE,
                              "component "
                                  + component
                                  + ": Redis does not publish the keyspace events configuration"
                                  + " subscriptions need ("
                                  + NOTIFY
                                  + " is \""
                                  + flags
                                  + "\") and refused to enable them ("
                                  + link.describe(e)
                                  + "); set "
                                  + NOTIFY
                                  + " to include \"Kg$x\" (or \"KA\") on the server");
                        }
                        LOG.info(
                            "component {}: set {} to \"{}\" for configuration subscriptions",
                            component,
                            NOTIFY,
                            set);
                        return (Void) null;
                      });
            })
        .thenCompose(Function.identity());
  }

  private static String flagsOf(Response r) {
    if (r == null) {
      return "";
    }
    if (r.isMap()) {
      Response v = r.get(NOTIFY);
      return v == null ? "" : v.toString();
    }
    return r.size() >= 2 && r.get(1) != null ? r.get(1).toString() : "";
  }

  /** The flags to add so that K, g, $ and x (plus e, evictions) are all on; empty when none. */
  static String missingFlags(String flags) {
    StringBuilder add = new StringBuilder();
    boolean all = flags.indexOf('A') >= 0;
    if (flags.indexOf('K') < 0) {
      add.append('K');
    }
    if (!all) {
      for (char c : new char[] {'g', '$', 'x'}) {
        if (flags.indexOf(c) < 0) {
          add.append(c);
        }
      }
    }
    if (add.length() > 0 && !all && flags.indexOf('e') < 0) {
      add.append('e');
    }
    return add.toString();
  }

  // ---- the connection ----

  private synchronized CompletionStage<RedisConnection> connection() {
    if (closed) {
      return CompletableFuture.failedFuture(
          ComponentException.failure("component " + component + " is closed", null));
    }
    if (down) {
      return CompletableFuture.failedFuture(
          ComponentException.failure(
              "component "
                  + component
                  + ": the subscription connection to Redis is down; reconnecting",
              null));
    }
    if (connection != null) {
      return CompletableFuture.completedFuture(connection);
    }
    if (connecting == null) {
      connecting = connect();
      connecting.whenComplete(
          (c, e) -> {
            synchronized (this) {
              connecting = null;
            }
          });
    }
    return connecting;
  }

  private CompletableFuture<RedisConnection> connect() {
    CompletableFuture<RedisConnection> out = new CompletableFuture<>();
    client
        .connect()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                out.completeExceptionally(
                    ComponentException.failure(
                        "component "
                            + component
                            + ": cannot open the subscription connection: "
                            + link.describe(ar.cause()),
                        ar.cause()));
                return;
              }
              RedisConnection c = ar.result();
              c.handler(this::onMessage);
              c.exceptionHandler(e -> lost(c, link.describe(e)));
              c.endHandler(v -> lost(c, "connection closed"));
              boolean keep;
              synchronized (this) {
                keep = !closed;
                if (keep) {
                  connection = c;
                }
              }
              if (!keep) {
                c.close();
                out.completeExceptionally(
                    ComponentException.failure("component " + component + " is closed", null));
              } else {
                out.complete(c);
              }
            });
    return out;
  }

  private void lost(RedisConnection c, String why) {
    synchronized (this) {
      if (closed || connection != c) {
        return;
      }
      connection = null;
      down = true;
      trouble =
          "configuration subscriptions cut off from "
              + link.settings()
              + ": "
              + why
              + "; reconnecting";
      LOG.warn("component {}: {}", component, trouble);
      ComponentException gone =
          ComponentException.failure(
              "component " + component + ": subscription connection lost: " + why, null);
      for (CompletableFuture<Void> f : confirmed.values()) {
        f.completeExceptionally(gone);
      }
      confirmed.clear();
      scheduleReconnect();
    }
    c.close();
  }

  private synchronized void scheduleReconnect() {
    if (closed) {
      return;
    }
    Duration delay = link.settings().retryDelay(++reconnects);
    retryTimer = link.vertx().setTimer(Math.max(1, delay.toMillis()), id -> reconnect());
  }

  private void reconnect() {
    synchronized (this) {
      retryTimer = -1;
      if (closed) {
        return;
      }
    }
    connect()
        .thenCompose(conn -> ensureNotifications().thenApply(v -> conn))
        .thenCompose(
            conn -> {
              List<CompletableFuture<Void>> waits = new ArrayList<>();
              synchronized (this) {
                for (String ch : refs.keySet()) {
                  waits.add(subscribeOn(conn, ch));
                }
              }
              return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                  .thenApply(v -> conn);
            })
        .whenComplete(
            (conn, err) -> {
              if (err != null) {
                RedisConnection broken;
                synchronized (this) {
                  broken = connection;
                  connection = null;
                  trouble =
                      "configuration subscriptions cut off from "
                          + link.settings()
                          + ": "
                          + link.describe(err)
                          + "; reconnecting";
                  confirmed.clear();
                  scheduleReconnect();
                }
                if (broken != null) {
                  broken.close();
                }
                return;
              }
              synchronized (this) {
                down = false;
                reconnects = 0;
                trouble = null;
              }
              LOG.info("component {}: subscriptions restored", component);
            });
  }

  // ---- events ----

  private void onMessage(Response msg) {
    if (msg == null || msg.size() < 3) {
      return;
    }
    String kind = msg.get(0).toString();
    switch (kind) {
      case "subscribe" -> confirm("s:" + msg.get(1).toString());
      case "psubscribe" -> confirm("p:" + msg.get(1).toString());
      case "message" -> event(false, msg.get(1).toString(), msg.get(2).toString());
      case "pmessage" -> {
        if (msg.size() >= 4) {
          event(true, msg.get(2).toString(), msg.get(3).toString());
        }
      }
      default -> {}
    }
  }

  private synchronized void confirm(String ch) {
    CompletableFuture<Void> f = confirmed.get(ch);
    if (f != null) {
      f.complete(null);
    }
  }

  private void event(boolean fromPattern, String channel, String op) {
    if (!channel.startsWith(prefix) || NO_CHANGE.contains(op)) {
      return;
    }
    String key = channel.substring(prefix.length());
    // one event after the other, so that the last update a listener sees is the key's last state
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture<Void> previous;
    synchronized (this) {
      previous = tail;
      tail = done;
    }
    previous
        .thenCompose(v -> resolve(key, op))
        .thenAccept(item -> item.ifPresent(i -> deliver(fromPattern, key, i)))
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                LOG.warn(
                    "component {}: cannot read changed key {}: {}",
                    component,
                    key,
                    link.describe(e));
              }
              done.complete(null);
            });
  }

  private CompletionStage<Optional<ConfigurationItem>> resolve(String key, String op) {
    if (GONE.contains(op)) {
      return CompletableFuture.completedFuture(Optional.of(new ConfigurationItem("", "", null)));
    }
    return link.send(Request.cmd(Command.GET).arg(key))
        .handle(
            (r, err) -> {
              if (err != null) {
                if (String.valueOf(err.getMessage()).contains("WRONGTYPE")) {
                  return Optional.<ConfigurationItem>empty(); // not a configuration item
                }
                throw new java.util.concurrent.CompletionException(err);
              }
              ConfigurationItem item =
                  r == null ? null : RedisConfigurationStore.parse(r.toString());
              // a missing key and an empty value are both "no item", as get() leaves them out
              return Optional.of(
                  item == null || item.value().isEmpty()
                      ? new ConfigurationItem("", "", null)
                      : item);
            });
  }

  private void deliver(boolean fromPattern, String key, ConfigurationItem item) {
    for (Watch w : watches) {
      boolean wants = fromPattern ? w.keys.isEmpty() : w.keys.contains(key);
      if (wants) {
        w.deliver(Map.of(key, item));
      }
    }
  }

  void close() {
    RedisConnection c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = connection;
      connection = null;
      if (retryTimer >= 0) {
        link.vertx().cancelTimer(retryTimer);
      }
      for (Watch w : watches) {
        w.stop();
      }
      watches.clear();
    }
    if (c != null) {
      c.close();
    }
    client.close();
  }

  /** One subscription. */
  private final class Watch implements ConfigurationWatch {
    final Set<String> keys;
    private final ConfigurationListener listener;
    private boolean stopped;

    Watch(Set<String> keys, ConfigurationListener listener) {
      this.keys = keys;
      this.listener = listener;
    }

    synchronized void deliver(Map<String, ConfigurationItem> items) {
      if (stopped) {
        return;
      }
      try {
        listener.onUpdate(items);
      } catch (RuntimeException e) {
        LOG.warn("component {}: a configuration listener failed", component, e);
      }
    }

    synchronized void stop() {
      stopped = true;
    }

    @Override
    public void close() {
      stop();
      release(this);
    }
  }
}
