package io.tandem.components.redis.configuration;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationListener;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.configuration.ConfigurationWatch;
import io.tandem.components.redis.RedisLink;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code configuration.redis}: each configuration item is a Redis string key holding {@code
 * value||version}, as in Dapr. Reads use MGET (SCAN, never KEYS, when every key is asked for);
 * subscriptions listen to the server's keyspace notifications on one dedicated connection per store
 * (see {@link KeyspaceSubscriber}).
 *
 * <p>{@code redisType: cluster} is refused: keyspace notifications and SCAN are per node there.
 */
public final class RedisConfigurationStore implements ConfigurationStore {
  static final String SEPARATOR = "||";
  private static final int SCAN_COUNT = 1000;
  private static final int MGET_CHUNK = 500;

  private volatile RedisLink link;
  private volatile KeyspaceSubscriber subscriber;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    if ("cluster".equalsIgnoreCase(metadata.get("redisType", "node").trim())) {
      throw ComponentException.invalid(
          "component "
              + metadata.name()
              + ": metadata 'redisType' cluster is not supported by configuration.redis (keyspace"
              + " notifications and SCAN are per node)");
    }
    RedisLink l = RedisLink.open(metadata, context);
    link = l;
    subscriber = new KeyspaceSubscriber(metadata.name(), l, this::read);
  }

  /** Dapr's format: the value before the first {@code ||}, the version after it. */
  static ConfigurationItem parse(String raw) {
    int sep = raw.indexOf(SEPARATOR);
    if (sep < 0) {
      return new ConfigurationItem(raw, "", Map.of());
    }
    return new ConfigurationItem(
        raw.substring(0, sep), raw.substring(sep + SEPARATOR.length()), Map.of());
  }

  @Override
  public CompletionStage<Map<String, ConfigurationItem>> get(
      List<String> keys, Map<String, String> metadata) {
    if (!keys.isEmpty()) {
      return read(keys);
    }
    return scan("0", new ArrayList<>()).thenCompose(this::read);
  }

  private CompletionStage<List<String>> scan(String cursor, List<String> found) {
    return link.send(Request.cmd(Command.SCAN).arg(cursor).arg("COUNT").arg(SCAN_COUNT))
        .thenCompose(
            r -> {
              for (Response k : r.get(1)) {
                found.add(k.toString());
              }
              String next = r.get(0).toString();
              return "0".equals(next)
                  ? CompletableFuture.completedFuture(found)
                  : scan(next, found);
            });
  }

  /**
   * The items stored under {@code keys}; keys that are missing, hold another type than a string, or
   * hold an empty value are left out, as in Dapr.
   */
  CompletionStage<Map<String, ConfigurationItem>> read(List<String> keys) {
    List<String> unique = List.copyOf(new java.util.LinkedHashSet<>(keys));
    if (unique.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    List<Request> chunks = new ArrayList<>();
    for (int i = 0; i < unique.size(); i += MGET_CHUNK) {
      Request mget = Request.cmd(Command.MGET);
      for (String k : unique.subList(i, Math.min(unique.size(), i + MGET_CHUNK))) {
        mget.arg(k);
      }
      chunks.add(mget);
    }
    return link.sendAll(chunks)
        .thenApply(
            replies -> {
              Map<String, ConfigurationItem> out = new LinkedHashMap<>();
              int i = 0;
              for (Response reply : replies) {
                for (Response v : reply) {
                  String key = unique.get(i++);
                  if (v != null) {
                    ConfigurationItem item = parse(v.toString());
                    if (!item.value().isEmpty()) {
                      out.put(key, item);
                    }
                  }
                }
              }
              return out;
            });
  }

  @Override
  public CompletionStage<ConfigurationWatch> subscribe(
      List<String> keys, Map<String, String> metadata, ConfigurationListener listener) {
    return subscriber.watch(keys, listener);
  }

  @Override
  public Optional<String> trouble() {
    RedisLink l = link;
    if (l == null) {
      return Optional.empty();
    }
    Optional<String> t = l.trouble();
    return t.isPresent() ? t : subscriber.trouble();
  }

  @Override
  public void close() {
    KeyspaceSubscriber s = subscriber;
    if (s != null) {
      s.close();
    }
    RedisLink l = link;
    if (l != null) {
      l.close();
    }
  }
}
