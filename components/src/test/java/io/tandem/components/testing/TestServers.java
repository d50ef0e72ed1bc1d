package io.tandem.components.testing;

import java.util.Map;

/**
 * Where the real servers started by {@code scripts/with-test-servers.sh} (which {@code make test}
 * runs the build under) listen. A test that needs a server asks here; when the variable is missing
 * the test fails, naming the server and how to start it. It never skips.
 */
public final class TestServers {
  private TestServers() {}

  /** {@code host:port} of a Redis server. */
  public static String redisAddress() {
    return require("TANDEM_TEST_REDIS_ADDR", "Redis");
  }

  /** The redis-server binary, for tests that start (and kill) a private instance. */
  public static String redisServerBinary() {
    return require("TANDEM_TEST_REDIS_SERVER", "Redis");
  }

  /** {@code postgres://user:password@host:port/database} of a PostgreSQL server. */
  public static String postgresUrl() {
    return require("TANDEM_TEST_POSTGRES_URL", "PostgreSQL");
  }

  /** The directory holding initdb, pg_ctl and postgres, for tests that run a private instance. */
  public static String postgresBinaries() {
    return require("TANDEM_TEST_POSTGRES_BIN", "PostgreSQL");
  }

  /** {@code host:port} of a Kafka broker's PLAINTEXT listener. */
  public static String kafkaBrokers() {
    return require("TANDEM_TEST_KAFKA_BROKERS", "Kafka");
  }

  /** {@code host:port} of the same broker's SASL_PLAINTEXT (PLAIN) listener. */
  public static String kafkaSaslBrokers() {
    return require("TANDEM_TEST_KAFKA_SASL_BROKERS", "Kafka");
  }

  public static String kafkaSaslUser() {
    return require("TANDEM_TEST_KAFKA_SASL_USER", "Kafka");
  }

  public static String kafkaSaslPassword() {
    return require("TANDEM_TEST_KAFKA_SASL_PASSWORD", "Kafka");
  }

  /** {@code amqp://user:password@host:port} of a RabbitMQ server. */
  public static String rabbitmqUrl() {
    return require("TANDEM_TEST_RABBITMQ_URL", "RabbitMQ");
  }

  /** Every {@code TANDEM_TEST_*} variable, for passing on to child processes. */
  public static Map<String, String> environment() {
    Map<String, String> out = new java.util.TreeMap<>();
    System.getenv()
        .forEach(
            (k, v) -> {
              if (k.startsWith("TANDEM_TEST_")) {
                out.put(k, v);
              }
            });
    return out;
  }

  private static String require(String variable, String server) {
    String value = System.getenv(variable);
    if (value == null || value.isBlank()) {
      throw new AssertionError(
          server
              + " test server not available: "
              + variable
              + " is not set. Run the tests through `make test`, or start the servers with"
              + " `make test-servers` and source .tandem/test-servers/env");
    }
    return value;
  }
}
