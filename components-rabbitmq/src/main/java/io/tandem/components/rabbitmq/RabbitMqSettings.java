package io.tandem.components.rabbitmq;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.BackOff;
import io.tandem.components.pubsub.PubSub;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The metadata of a {@code pubsub.rabbitmq} component, with Dapr's keys and Dapr's defaults (those
 * of its code where its reference page disagrees: {@code durable} is true there, and so is {@code
 * deletedWhenUnused}). Pure: no I/O, so it is tested without a broker.
 *
 * <p>{@link #toString()} never shows the password.
 */
final class RabbitMqSettings {
  static final String CONNECTION_STRING = "connectionString";
  static final String HOST = "host";
  static final String PROTOCOL = "protocol";
  static final String HOSTNAME = "hostname";
  static final String USERNAME = "username";
  static final String PASSWORD = "password";
  static final String DURABLE = "durable";
  static final String DELETED_WHEN_UNUSED = "deletedWhenUnused";
  static final String AUTO_ACK = "autoAck";
  static final String DELIVERY_MODE = "deliveryMode";
  static final String REQUEUE_IN_FAILURE = "requeueInFailure";
  static final String PREFETCH_COUNT = "prefetchCount";
  static final String RECONNECT_WAIT_SECONDS = "reconnectWaitSeconds";
  static final String RECONNECT_WAIT = "reconnectWait";
  static final String CONCURRENCY_MODE = "concurrencyMode";
  static final String PUBLISHER_CONFIRM = "publisherConfirm";
  static final String ENABLE_DEAD_LETTER = "enableDeadLetter";
  static final String MAX_LEN = "maxLen";
  static final String MAX_LEN_BYTES = "maxLenBytes";
  static final String EXCHANGE_KIND = "exchangeKind";
  static final String SASL_EXTERNAL = "saslExternal";
  static final String CA_CERT = "caCert";
  static final String CLIENT_CERT = "clientCert";
  static final String CLIENT_KEY = "clientKey";
  static final String CLIENT_NAME = "clientName";
  static final String HEART_BEAT = "heartBeat";
  static final String PROPERTIES_TO_METADATA = "publishMessagePropertiesToMetadata";

  /** Dapr's default wait before reconnecting. */
  static final Duration DEFAULT_RECONNECT_WAIT = Duration.ofSeconds(3);

  static final Duration DEFAULT_HEART_BEAT = Duration.ofSeconds(10);

  final String name;
  final boolean tls;
  final String host;
  final int port;
  final String username;
  private final String password;
  final String virtualHost;
  final String consumerId;
  final boolean durable;
  final boolean deletedWhenUnused;
  final boolean autoAck;
  final int deliveryMode;
  final boolean requeueInFailure;
  final int prefetchCount;
  final Duration reconnectWait;
  final boolean single;
  final boolean enableDeadLetter;
  final long maxLen;
  final long maxLenBytes;
  final String exchangeKind;
  final Optional<Duration> defaultTtl;
  final String clientName;
  final Duration heartBeat;
  final boolean propertiesToMetadata;
  final BackOff backOff;

  private RabbitMqSettings(ComponentMetadata m, String appId) {
    this.name = m.name();
    refuseTls(m);

    String connectionString = m.get(CONNECTION_STRING, m.get(HOST, ""));
    String protocol = m.get(PROTOCOL, "").trim().toLowerCase(Locale.ROOT);
    if (!protocol.isEmpty() && !protocol.equals("amqp") && !protocol.equals("amqps")) {
      throw invalid(PROTOCOL, "must be amqp or amqps, not " + protocol);
    }
    if (!connectionString.isBlank()) {
      URI uri = parseUri(connectionString.trim());
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      if (!protocol.isEmpty() && !protocol.equals(scheme)) {
        throw invalid(PROTOCOL, "is " + protocol + " but the connection string uses " + scheme);
      }
      this.tls = scheme.equals("amqps");
      this.host = uri.getHost();
      this.port = uri.getPort() > 0 ? uri.getPort() : defaultPort(tls);
      String userInfo = uri.getRawUserInfo();
      if (userInfo == null || userInfo.isEmpty()) {
        this.username = "guest";
        this.password = "guest";
      } else {
        int colon = userInfo.indexOf(':');
        this.username = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        this.password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
      }
      String path = uri.getRawPath();
      String vhost = path == null || path.length() <= 1 ? "" : decode(path.substring(1));
      this.virtualHost = vhost.isEmpty() ? "/" : vhost;
    } else {
      this.tls = protocol.equals("amqps");
      String hostname = m.get(HOSTNAME, "localhost").trim();
      URI uri = parseHostname(hostname);
      this.host = uri.getHost();
      this.port = uri.getPort() > 0 ? uri.getPort() : defaultPort(tls);
      this.username = m.get(USERNAME, "guest");
      this.password = m.get(PASSWORD, m.get(USERNAME) == null ? "guest" : "");
      this.virtualHost = "/";
    }

    String consumer = m.get(PubSub.CONSUMER_ID, appId);
    if (consumer == null || consumer.isBlank()) {
      throw invalid(PubSub.CONSUMER_ID, "is required when the app has no id");
    }
    this.consumerId = consumer;
    this.durable = m.getBoolean(DURABLE, true);
    this.deletedWhenUnused = m.getBoolean(DELETED_WHEN_UNUSED, true);
    this.autoAck = m.getBoolean(AUTO_ACK, false);
    this.deliveryMode = m.getInt(DELIVERY_MODE, 0);
    if (deliveryMode < 0 || deliveryMode > 2) {
      throw invalid(
          DELIVERY_MODE, "must be 0, 1 (transient) or 2 (persistent), not " + deliveryMode);
    }
    this.requeueInFailure = m.getBoolean(REQUEUE_IN_FAILURE, false);
    this.prefetchCount = m.getInt(PREFETCH_COUNT, 0);
    if (prefetchCount < 0 || prefetchCount > 65535) {
      throw invalid(PREFETCH_COUNT, "must be between 0 (no limit) and 65535, not " + prefetchCount);
    }
    String waitKey =
        m.get(RECONNECT_WAIT_SECONDS) != null ? RECONNECT_WAIT_SECONDS : RECONNECT_WAIT;
    this.reconnectWait = m.getDuration(waitKey, DEFAULT_RECONNECT_WAIT);
    if (reconnectWait.isNegative()) {
      throw invalid(waitKey, "must not be negative");
    }
    String mode = m.get(CONCURRENCY_MODE, "parallel").trim().toLowerCase(Locale.ROOT);
    switch (mode) {
      case "parallel" -> this.single = false;
      case "single" -> this.single = true;
      default -> throw invalid(CONCURRENCY_MODE, "must be parallel or single, not " + mode);
    }
    m.getBoolean(PUBLISHER_CONFIRM, false); // accepted; publishing always waits for the confirm
    this.enableDeadLetter = m.getBoolean(ENABLE_DEAD_LETTER, false);
    this.maxLen = nonNegativeLong(m, MAX_LEN);
    this.maxLenBytes = nonNegativeLong(m, MAX_LEN_BYTES);
    String kind = m.get(EXCHANGE_KIND, "fanout").trim().toLowerCase(Locale.ROOT);
    switch (kind) {
      case "fanout", "topic", "direct", "headers" -> this.exchangeKind = kind;
      default ->
          throw invalid(EXCHANGE_KIND, "must be fanout, topic, direct or headers, not " + kind);
    }
    String ttl = m.get(PubSub.TTL_IN_SECONDS);
    if (ttl == null || ttl.isBlank()) {
      this.defaultTtl = Optional.empty();
    } else {
      long seconds;
      try {
        seconds = Long.parseLong(ttl.trim());
      } catch (NumberFormatException e) {
        throw invalid(PubSub.TTL_IN_SECONDS, "is not a whole number of seconds: " + ttl);
      }
      if (seconds <= 0 || seconds > Integer.MAX_VALUE / 1000) {
        throw invalid(PubSub.TTL_IN_SECONDS, "must be between 1 and 2147483: " + ttl);
      }
      this.defaultTtl = Optional.of(Duration.ofSeconds(seconds));
    }
    this.clientName = m.get(CLIENT_NAME, "");
    this.heartBeat = m.getDuration(HEART_BEAT, DEFAULT_HEART_BEAT);
    if (heartBeat.isNegative()) {
      throw invalid(HEART_BEAT, "must not be negative");
    }
    this.propertiesToMetadata = m.getBoolean(PROPERTIES_TO_METADATA, false);
    this.backOff = BackOff.fromMetadata(m, BackOff.DAPR_DEFAULT);
  }

  /** Reads {@code metadata}; {@code appId} is the default {@code consumerID}. */
  static RabbitMqSettings from(ComponentMetadata metadata, String appId) {
    return new RabbitMqSettings(metadata, appId);
  }

  String password() {
    return password;
  }

  /** {@code host:port/vhost}, for logs and messages: no credentials. */
  String endpoint() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return (tls ? "amqps://" : "amqp://")
        + h
        + ":"
        + port
        + ("/".equals(virtualHost) ? "" : "/" + virtualHost);
  }

  /** The queue a subscription to {@code topic} reads when it names none: Dapr's name. */
  String queueName(String topic) {
    return consumerId + "-" + topic;
  }

  static String deadLetterExchange(String queue) {
    return "dlx-" + queue;
  }

  static String deadLetterQueue(String queue) {
    return "dlq-" + queue;
  }

  @Override
  public String toString() {
    return "RabbitMqSettings{"
        + endpoint()
        + ", user="
        + username
        + ", consumerID="
        + consumerId
        + ", durable="
        + durable
        + ", deletedWhenUnused="
        + deletedWhenUnused
        + ", autoAck="
        + autoAck
        + ", deliveryMode="
        + deliveryMode
        + ", requeueInFailure="
        + requeueInFailure
        + ", prefetchCount="
        + prefetchCount
        + ", concurrencyMode="
        + (single ? "single" : "parallel")
        + ", enableDeadLetter="
        + enableDeadLetter
        + ", exchangeKind="
        + exchangeKind
        + ", reconnectWait="
        + reconnectWait
        + ", backOff="
        + backOff
        + "}";
  }

  // ---- parsing

  private void refuseTls(ComponentMetadata m) {
    for (String key : new String[] {CA_CERT, CLIENT_CERT, CLIENT_KEY}) {
      String v = m.get(key);
      if (v != null && !v.isBlank()) {
        throw invalid(
            key,
            "is not supported: client certificates and custom CAs are not implemented; use"
                + " amqps:// with a server certificate the JVM trusts");
      }
    }
    if (m.getBoolean(SASL_EXTERNAL, false)) {
      throw invalid(SASL_EXTERNAL, "is not supported: it needs client certificates");
    }
  }

  private URI parseUri(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      // the text may hold a password: never repeat it
      throw invalid(CONNECTION_STRING, "is not a valid URI");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("amqp") || scheme.equalsIgnoreCase("amqps"))) {
      throw invalid(CONNECTION_STRING, "must start with amqp:// or amqps://");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalid(CONNECTION_STRING, "has no host");
    }
    return uri;
  }

  private URI parseHostname(String hostname) {
    try {
      URI uri = new URI("amqp://" + hostname);
      if (uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
        throw invalid(HOSTNAME, "must be a host name, optionally with :port, not " + hostname);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw invalid(HOSTNAME, "must be a host name, optionally with :port, not " + hostname);
    }
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static int defaultPort(boolean tls) {
    return tls ? 5671 : 5672;
  }

  private long nonNegativeLong(ComponentMetadata m, String key) {
    String v = m.get(key);
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw invalid(key, "must not be negative: " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw invalid(key, "is not a whole number: " + v);
    }
  }

  private ComponentException invalid(String key, String why) {
    return ComponentException.invalid("component " + name + ": metadata '" + key + "' " + why);
  }
}
