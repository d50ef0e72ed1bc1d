package io.tandem.e2e;

import io.tandem.components.testing.TestServers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Component YAML for each backend a scenario can swap in, pointed at the real test servers (see
 * {@link TestServers}). The same component name with a different type is the whole of a swap.
 */
public final class Backends {
  private Backends() {}

  /** The pub/sub kinds: in-memory, redis, kafka, rabbitmq. */
  public static final List<String> PUBSUBS = List.of("in-memory", "redis", "kafka", "rabbitmq");

  /** The state store kinds: sqlite, redis, postgresql. */
  public static final List<String> STATE_STORES = List.of("sqlite", "redis", "postgresql");

  /**
   * A {@code pubsub.<kind>} component named {@code name}; {@code extra} metadata pairs are added
   * after (and so may refine) the defaults.
   */
  public static String pubsub(String name, String kind, String... extra) {
    List<String> md = new ArrayList<>();
    switch (kind) {
      case "in-memory" -> {}
      case "redis" -> md.addAll(List.of("redisHost", TestServers.redisAddress()));
      case "kafka" ->
          md.addAll(
              List.of(
                  "brokers", TestServers.kafkaBrokers(),
                  "authType", "none",
                  "initialOffset", "oldest"));
      case "rabbitmq" ->
          md.addAll(
              List.of(
                  "connectionString", TestServers.rabbitmqUrl(),
                  "durable", "true",
                  // Dapr's default (true) deletes an app's queue when its last subscriber goes
                  "deletedWhenUnused", "false",
                  "deliveryMode", "2"));
      default -> throw new IllegalArgumentException("unknown pub/sub kind " + kind);
    }
    md.addAll(Arrays.asList(extra));
    return ResourceFiles.component(name, "pubsub." + kind, md.toArray(String[]::new));
  }

  /** A {@code state.<kind>} component named {@code name}; SQLite keeps its file in {@code dir}. */
  public static String state(String name, String kind, Path dir, String... extra) {
    List<String> md = new ArrayList<>();
    switch (kind) {
      case "in-memory" -> {}
      case "sqlite" ->
          md.addAll(
              List.of("connectionString", dir.resolve(name + ".db").toAbsolutePath().toString()));
      case "redis" -> md.addAll(List.of("redisHost", TestServers.redisAddress()));
      case "postgresql" -> md.addAll(List.of("connectionString", TestServers.postgresUrl()));
      default -> throw new IllegalArgumentException("unknown state store kind " + kind);
    }
    md.addAll(Arrays.asList(extra));
    return ResourceFiles.component(name, "state." + kind, md.toArray(String[]::new));
  }
}
