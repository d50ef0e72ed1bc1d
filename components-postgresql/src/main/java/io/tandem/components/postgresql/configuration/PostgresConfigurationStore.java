package io.tandem.components.postgresql.configuration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationListener;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.configuration.ConfigurationWatch;
import io.tandem.components.postgresql.PgDatabase;
import io.tandem.components.postgresql.PgSettings;
import io.tandem.components.postgresql.TableName;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code configuration.postgresql}: configuration items in an operator-made table with Dapr's
 * layout ({@code KEY}, {@code VALUE}, {@code VERSION}, {@code METADATA} json), named by the
 * required {@code table} metadata. Where a key has several rows, the one with the highest numeric
 * version wins, as in Dapr.
 *
 * <p>Subscriptions {@code LISTEN} on a notification channel, to which the operator's trigger sends
 * each changed row with {@code pg_notify}, as Dapr documents: a JSON object {@code {"table": ...,
 * "action": "INSERT"|"UPDATE"|"DELETE", "data": <the row as JSON>}}. The channel is the component's
 * {@code notifyChannel} metadata when set (as in Dapr, it takes precedence), else the subscribe
 * request's {@code pgNotifyChannel} metadata. A deleted row is pushed with an empty value and
 * version. All subscriptions share one connection (see {@link NotificationListener}); when it comes
 * back after an outage, each subscription is sent the current value of its keys, since changes made
 * meanwhile sent no notification anyone heard.
 */
public final class PostgresConfigurationStore implements ConfigurationStore {
  private static final Logger LOG =
      LoggerFactory.getLogger("tandem.components.configuration.postgresql");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Dapr's rule for channel names: lower case letters, digits, '.', '/' and '_'. */
  private static final Pattern CHANNEL = Pattern.compile("[a-z0-9./_]{1,63}");

  private static final Set<String> COLUMNS = Set.of("key", "value", "version", "metadata");

  private volatile PgDatabase db;
  private volatile NotificationListener listener;
  private boolean closed;
  private String label;
  private TableName table;
  private String notifyChannel;
  private String getAll;
  private String getSome;

  /** Keys notified since the resync in progress began; only on the listener's context. */
  private Set<String> touchedDuringResync;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) throws Exception {
    if (db != null) {
      throw new IllegalStateException("component " + metadata.name() + " is already initialised");
    }
    label = "configuration.postgresql " + metadata.name();
    PgSettings settings = PgSettings.from(metadata, context.environment());
    table = TableName.parse(metadata.name(), "table", metadata.required("table"));
    String channel = metadata.get("notifyChannel", metadata.get("pgNotifyChannel", ""));
    if (!channel.isEmpty()) {
      notifyChannel =
          checkChannel(channel, "component " + metadata.name() + ": metadata 'notifyChannel'");
    }
    getAll = "SELECT key, value, version, metadata FROM " + table.sql();
    getSome = getAll + " WHERE key = ANY($1)";

    PgDatabase database = PgDatabase.open(label, settings, context, LOG);
    db = database; // so that a close() while init waits (initTimeout) releases it
    try {
      database.awaitConnected();
      database.await(
          database.run("checking the table", pool -> checkTable(pool)), "checking the table");
    } catch (Exception e) {
      close();
      throw e;
    }
    LOG.info(
        "{}: {} table={} notifyChannel={}",
        label,
        settings,
        table,
        notifyChannel == null ? "(from each subscription's pgNotifyChannel)" : notifyChannel);
    synchronized (this) {
      if (closed) {
        throw new ComponentException(
            ComponentException.Reason.FAILURE, label + " was closed during init");
      }
      listener = new NotificationListener(database, label, new Notifications(), LOG);
    }
  }

  private Future<Void> checkTable(io.vertx.sqlclient.Pool pool) {
    return pool.preparedQuery(
            "SELECT lower(attname::text) FROM pg_attribute"
                + " WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped")
        .execute(Tuple.of(table.sql()))
        .compose(
            rows -> {
              Set<String> have = new HashSet<>();
              for (Row r : rows) {
                have.add(r.getString(0));
              }
              if (have.isEmpty()) {
                return Future.failedFuture(
                    ComponentException.invalid(
                        label
                            + ": the table "
                            + table
                            + " named by metadata 'table' does not exist; create it with the"
                            + " columns KEY, VALUE, VERSION and METADATA"));
              }
              Set<String> missing = new HashSet<>(COLUMNS);
              missing.removeAll(have);
              if (!missing.isEmpty()) {
                return Future.failedFuture(
                    ComponentException.invalid(
                        label + ": the table " + table + " lacks the columns " + missing));
              }
              return Future.succeededFuture();
            });
  }

  private static String checkChannel(String channel, String what) {
    if (!CHANNEL.matcher(channel).matches()) {
      throw ComponentException.invalid(
          what + " must be 1 to 63 characters among lower-case letters, digits, '.', '/' and '_'");
    }
    return channel;
  }

  @Override
  public Optional<String> trouble() {
    PgDatabase d = db;
    NotificationListener l = listener;
    if (d == null || l == null) {
      return Optional.empty();
    }
    Optional<String> pool = d.trouble();
    return pool.isPresent() ? pool : l.trouble();
  }

  // ---- get
  // ----------------------------------------------------------------------------------------

  @Override
  public CompletionStage<Map<String, ConfigurationItem>> get(
      List<String> keys, Map<String, String> metadata) {
    return database().call("get", pool -> read(pool, keys));
  }

  private Future<Map<String, ConfigurationItem>> read(
      io.vertx.sqlclient.Pool pool, java.util.Collection<String> keys) {
    Future<io.vertx.sqlclient.RowSet<Row>> rows =
        keys.isEmpty()
            ? pool.query(getAll).execute()
            : pool.preparedQuery(getSome).execute(Tuple.of(keys.toArray(String[]::new)));
    return rows.map(
        set -> {
          Map<String, ConfigurationItem> items = new LinkedHashMap<>();
          Map<String, Long> versions = new HashMap<>();
          for (Row r : set) {
            String key = text(r.getValue(0));
            ConfigurationItem item =
                new ConfigurationItem(
                    text(r.getValue(1)), text(r.getValue(2)), metadata(r.getValue(3)));
            long v = numericVersion(item.version());
            Long best = versions.get(key);
            if (best == null || v > best) {
              items.put(key, item);
              versions.put(key, v);
            }
          }
          return items;
        });
  }

  private static long numericVersion(String version) {
    try {
      return Long.parseLong(version.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String text(Object value) {
    return value == null ? "" : value.toString();
  }

  private static Map<String, String> metadata(Object value) {
    Map<String, String> out = new HashMap<>();
    if (value instanceof JsonObject o) {
      o.forEach(e -> out.put(e.getKey(), e.getValue() == null ? "" : e.getValue().toString()));
    } else if (value instanceof String s && !s.isBlank()) {
      try {
        JsonNode n = JSON.readTree(s);
        if (n != null && n.isObject()) {
          n.fields().forEachRemaining(e -> out.put(e.getKey(), nodeText(e.getValue())));
        }
      } catch (IOException e) {
        // not JSON: no metadata
      }
    }
    return out;
  }

  private static String nodeText(JsonNode n) {
    return n == null || n.isNull() ? "" : n.isValueNode() ? n.asText() : n.toString();
  }

  // ---- subscribe
  // ----------------------------------------------------------------------------------

  @Override
  public CompletionStage<ConfigurationWatch> subscribe(
      List<String> keys, Map<String, String> metadata, ConfigurationListener updates) {
    String channel = notifyChannel;
    if (channel == null) {
      String requested = null;
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        if (e.getKey().equalsIgnoreCase("pgNotifyChannel")) {
          requested = e.getValue();
        }
      }
      if (requested == null || requested.isEmpty()) {
        return CompletableFuture.failedFuture(
            ComponentException.invalid(
                label
                    + ": no notification channel: set the component's 'notifyChannel' metadata,"
                    + " or pass 'pgNotifyChannel' in the subscription's metadata"));
      }
      try {
        channel = checkChannel(requested, "subscription metadata 'pgNotifyChannel'");
      } catch (ComponentException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    NotificationListener l = listener;
    if (l == null) {
      throw new IllegalStateException(label + " is not initialised");
    }
    Watch watch = new Watch(channel, keys, updates, l::remove, LOG);
    return l.add(watch).<ConfigurationWatch>map(v -> watch).toCompletionStage();
  }

  /** What arrives on the LISTEN connection. */
  private final class Notifications implements NotificationListener.Handler {
    @Override
    public void onNotification(String channel, String payload) {
      Map.Entry<String, ConfigurationItem> change = parse(payload);
      if (change == null) {
        return;
      }
      if (touchedDuringResync != null) {
        touchedDuringResync.add(change.getKey());
      }
      Map<String, ConfigurationItem> items = Map.of(change.getKey(), change.getValue());
      for (Watch w : listener.watches(channel)) {
        w.deliver(items);
      }
    }

    @Override
    public void onReconnected() {
      List<Watch> watches = listener.allWatches();
      if (watches.isEmpty()) {
        return;
      }
      Set<String> watched = new HashSet<>();
      boolean everything = false;
      for (Watch w : watches) {
        everything |= w.keys().isEmpty();
        watched.addAll(w.keys());
      }
      Set<String> keys = everything ? Set.of() : watched;
      Set<String> touched = new HashSet<>();
      touchedDuringResync = touched;
      database()
          .run("reading the watched keys again", pool -> read(pool, keys))
          .onComplete(
              ar ->
                  listener
                      .context()
                      .runOnContext(
                          v -> {
                            if (touchedDuringResync == touched) {
                              touchedDuringResync = null;
                            }
                            if (ar.failed()) {
                              LOG.warn(
                                  "{}: could not read the watched keys after reconnecting: {}",
                                  label,
                                  ar.cause().getMessage());
                              return;
                            }
                            // a notification newer than what we read wins
                            Map<String, ConfigurationItem> current =
                                new LinkedHashMap<>(ar.result());
                            current.keySet().removeAll(touched);
                            if (current.isEmpty()) {
                              return;
                            }
                            for (Watch w : listener.allWatches()) {
                              w.deliver(current);
                            }
                          }));
    }
  }

  /** The key and item of a notification payload, or null when it is not one of ours. */
  private Map.Entry<String, ConfigurationItem> parse(String payload) {
    JsonNode root;
    try {
      root = JSON.readTree(payload);
    } catch (IOException e) {
      LOG.debug("{}: ignoring a notification that is not JSON", label);
      return null;
    }
    if (root == null || !root.isObject()) {
      return null;
    }
    JsonNode tableName = field(root, "table");
    if (tableName != null
        && tableName.isTextual()
        && !tableName.asText().toLowerCase(Locale.ROOT).equals(table.name())) {
      return null; // another table's trigger on the same channel
    }
    JsonNode data = field(root, "data");
    if (data == null || !data.isObject()) {
      LOG.debug("{}: ignoring a notification without a 'data' object", label);
      return null;
    }
    JsonNode key = field(data, "key");
    if (key == null || key.isNull()) {
      return null;
    }
    JsonNode action = field(root, "action");
    Map<String, String> md = new HashMap<>();
    JsonNode m = field(data, "metadata");
    if (m != null && m.isObject()) {
      m.fields().forEachRemaining(e -> md.put(e.getKey(), nodeText(e.getValue())));
    }
    ConfigurationItem item =
        action != null && "DELETE".equalsIgnoreCase(action.asText())
            ? new ConfigurationItem("", "", md)
            : new ConfigurationItem(
                nodeText(field(data, "value")), nodeText(field(data, "version")), md);
    return Map.entry(nodeText(key), item);
  }

  /** A field looked up ignoring case, as the row's column names may be quoted upper case. */
  private static JsonNode field(JsonNode object, String name) {
    JsonNode exact = object.get(name);
    if (exact != null) {
      return exact;
    }
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equalsIgnoreCase(name)) {
        return object.get(f);
      }
    }
    return null;
  }

  private PgDatabase database() {
    PgDatabase d = db;
    if (d == null) {
      throw new IllegalStateException("configuration.postgresql is not initialised");
    }
    return d;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (listener != null) {
      Future<Void> listenerClosed = listener.close();
      if (!io.vertx.core.Context.isOnEventLoopThread()) {
        // before the Vert.x it runs on may close
        try {
          listenerClosed.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
          // closing is best effort
        }
      }
    }
    PgDatabase d = db;
    if (d != null) {
      d.close();
    }
  }
}
