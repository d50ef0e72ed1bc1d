package io.tandem.components.kafka;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.Durations;
import io.tandem.components.pubsub.BackOff;
import io.tandem.components.pubsub.PubSub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * The metadata Dapr's Kafka components share (pub/sub and bindings), read once at init and turned
 * into kafka-clients properties. Keys and defaults are Dapr's; what Tandem does not implement is
 * refused here, naming the key. The SASL password is kept out of {@link #toString()} and every
 * message.
 */
final class KafkaSettings {

  /** How the clients authenticate; Dapr's {@code authType}. */
  enum Auth {
    NONE,
    PASSWORD,
    CERTIFICATE
  }

  enum InitialOffset {
    NEWEST,
    OLDEST
  }

  static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(3);
  static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DEFAULT_CONSUME_RETRY_INTERVAL = Duration.ofMillis(100);
  static final int DEFAULT_CHANNEL_BUFFER_SIZE = 256;

  /** How long a producer may wait for metadata (a new topic, an unreachable broker). */
  static final Duration MAX_BLOCK = Duration.ofSeconds(10);

  /** Upper bound from send to its outcome, retries included. */
  static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);

  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

  final String component;
  final String brokers;
  final String consumerGroup;
  final String clientId;
  final Auth auth;
  final String saslUsername;
  private final String saslPassword;
  final String saslMechanism;
  final boolean tls;
  private final String caCert;
  final InitialOffset initialOffset;
  final int maxMessageBytes;
  final Duration consumeRetryInterval;
  final boolean consumeRetryEnabled;
  final Duration heartbeatInterval;
  final Duration sessionTimeout;
  final boolean escapeHeaders;
  final String compression;
  final List<String> assignors;
  final int channelBufferSize;
  final int fetchMinBytes;
  final int fetchPartitionBytes;
  final Duration metadataRefresh;
  final Duration keepAlive;
  final BackOff backOff;

  private KafkaSettings(ComponentMetadata md, ComponentContext ctx, boolean retryByDefault) {
    this.component = md.name();
    this.brokers = brokers(md);
    this.consumerGroup = firstSet(md, "consumerGroup", PubSub.CONSUMER_ID, ctx.appId());
    String ns = ctx.namespace();
    this.clientId =
        md.get(
            "clientID", ns == null || ns.isBlank() ? ctx.appId() : ns.trim() + "." + ctx.appId());
    this.auth = auth(md);
    if (auth == Auth.PASSWORD) {
      this.saslUsername = required(md, "saslUsername", "when authType is password");
      this.saslPassword = required(md, "saslPassword", "when authType is password");
      this.saslMechanism = mechanism(md);
    } else {
      this.saslUsername = null;
      this.saslPassword = null;
      this.saslMechanism = null;
    }
    boolean disableTls = md.getBoolean("disableTls", false);
    // Dapr: transport TLS is on unless disableTls is set or authType is none
    this.tls = auth != Auth.NONE && !disableTls;
    if (auth == Auth.CERTIFICATE && !tls) {
      throw invalid("disableTls", "cannot be true when authType is certificate (TLS is the point)");
    }
    this.caCert = tls ? caCert(md) : null;
    if (auth == Auth.CERTIFICATE && caCert == null) {
      throw invalid("caCert", "is required when authType is certificate");
    }
    if (tls && md.getBoolean("skipVerify", false)) {
      throw invalid(
          "skipVerify",
          "is not supported: give the brokers' certificate authority in caCert instead");
    }
    this.initialOffset = initialOffset(md);
    this.maxMessageBytes = md.getInt("maxMessageBytes", 0);
    this.consumeRetryInterval = consumeRetryInterval(md);
    this.consumeRetryEnabled = md.getBoolean("consumeRetryEnabled", retryByDefault);
    this.heartbeatInterval = positive(md, "heartbeatInterval", DEFAULT_HEARTBEAT);
    this.sessionTimeout = positive(md, "sessionTimeout", DEFAULT_SESSION_TIMEOUT);
    if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
      throw invalid("heartbeatInterval", "must be shorter than sessionTimeout");
    }
    this.escapeHeaders = md.getBoolean("escapeHeaders", false);
    this.compression = compression(md);
    this.assignors = assignors(md);
    this.channelBufferSize = md.getInt("channelBufferSize", DEFAULT_CHANNEL_BUFFER_SIZE);
    if (channelBufferSize <= 0) {
      throw invalid("channelBufferSize", "must be positive");
    }
    this.fetchMinBytes = md.getInt("consumerFetchMin", 1);
    this.fetchPartitionBytes = md.getInt("consumerFetchDefault", 1024 * 1024);
    if (fetchMinBytes < 0 || fetchPartitionBytes <= 0) {
      throw invalid(
          fetchMinBytes < 0 ? "consumerFetchMin" : "consumerFetchDefault", "must be positive");
    }
    this.metadataRefresh = md.getDuration("clientConnectionTopicMetadataRefreshInterval", null);
    this.keepAlive = md.getDuration("clientConnectionKeepAliveInterval", null);
    this.backOff = BackOff.fromMetadata(md, BackOff.DAPR_DEFAULT);
    String schema = md.get("schemaRegistryURL");
    if (schema != null && !schema.isBlank()) {
      throw invalid(
          "schemaRegistryURL",
          "is not supported: Tandem's Kafka components carry bytes as they are");
    }
  }

  /**
   * Reads {@code md}.
   *
   * @param retryByDefault Dapr's {@code consumeRetryEnabled} default for this component type
   * @throws ComponentException naming the key when the metadata is wrong
   */
  static KafkaSettings parse(ComponentMetadata md, ComponentContext ctx, boolean retryByDefault) {
    return new KafkaSettings(md, ctx, retryByDefault);
  }

  // ---- client properties ------------------------------------------------------------------

  /** What every client needs: where the brokers are and how to talk to them. */
  Properties common() {
    Properties p = new Properties();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
    // no JMX: Tandem exports its own metrics, and clients sharing a client id would collide there
    p.put(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, "");
    String protocol =
        switch (auth) {
          case NONE -> tls ? "SSL" : "PLAINTEXT";
          case PASSWORD -> tls ? "SASL_SSL" : "SASL_PLAINTEXT";
          case CERTIFICATE -> "SSL";
        };
    p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
    if (auth == Auth.PASSWORD) {
      p.put(SaslConfigs.SASL_MECHANISM, saslMechanism);
      String module =
          saslMechanism.equals("PLAIN")
              ? "org.apache.kafka.common.security.plain.PlainLoginModule"
              : "org.apache.kafka.common.security.scram.ScramLoginModule";
      p.put(
          SaslConfigs.SASL_JAAS_CONFIG,
          module
              + " required username=\""
              + jaasQuote(saslUsername)
              + "\" password=\""
              + jaasQuote(saslPassword)
              + "\";");
    }
    if (tls && caCert != null) {
      p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
      p.put(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG, caCert);
    }
    if (metadataRefresh != null && metadataRefresh.toMillis() > 0) {
      p.put(CommonClientConfigs.METADATA_MAX_AGE_CONFIG, Long.toString(metadataRefresh.toMillis()));
    }
    if (keepAlive != null && keepAlive.toMillis() > 0) {
      p.put(
          CommonClientConfigs.CONNECTIONS_MAX_IDLE_MS_CONFIG, Long.toString(keepAlive.toMillis()));
    }
    return p;
  }

  Properties producer() {
    Properties p = common();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(MAX_BLOCK.toMillis()));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(REQUEST_TIMEOUT.toMillis()));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(DELIVERY_TIMEOUT.toMillis()));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    if (maxMessageBytes > 0) {
      p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxMessageBytes));
    }
    return p;
  }

  Properties consumer(String group) {
    Properties p = common();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, String.join(",", assignors));
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        initialOffset == InitialOffset.OLDEST ? "earliest" : "latest");
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Long.toString(heartbeatInterval.toMillis()));
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(sessionTimeout.toMillis()));
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(fetchMinBytes));
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(fetchPartitionBytes));
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(channelBufferSize));
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(REQUEST_TIMEOUT.toMillis()));
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(REQUEST_TIMEOUT.toMillis()));
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "true");
    return p;
  }

  Properties admin() {
    Properties p = common();
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(REQUEST_TIMEOUT.toMillis()));
    p.put(
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(REQUEST_TIMEOUT.toMillis()));
    return p;
  }

  @Override
  public String toString() {
    return "brokers="
        + brokers
        + ", consumerGroup="
        + consumerGroup
        + ", clientID="
        + clientId
        + ", authType="
        + auth.name().toLowerCase(Locale.ROOT)
        + (auth == Auth.PASSWORD
            ? ", saslUsername=" + saslUsername + ", saslMechanism=" + saslMechanism
            : "")
        + ", tls="
        + tls
        + ", initialOffset="
        + initialOffset.name().toLowerCase(Locale.ROOT)
        + ", consumeRetryEnabled="
        + consumeRetryEnabled
        + ", backOff="
        + backOff.policy().name().toLowerCase(Locale.ROOT);
  }

  // ---- parsing ------------------------------------------------------------------------------

  private String brokers(ComponentMetadata md) {
    String v = md.required("brokers");
    List<String> out = new ArrayList<>();
    for (String b : v.split(",")) {
      String t = b.trim();
      if (t.isEmpty()) {
        continue;
      }
      int colon = t.lastIndexOf(':');
      if (colon <= 0 || colon == t.length() - 1) {
        throw invalid("brokers", "must list host:port pairs separated by commas; got " + v);
      }
      try {
        int port = Integer.parseInt(t.substring(colon + 1));
        if (port <= 0 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw invalid("brokers", "has a bad port in '" + t + "'");
      }
      out.add(t);
    }
    if (out.isEmpty()) {
      throw invalid("brokers", "lists no broker");
    }
    return String.join(",", out);
  }

  private Auth auth(ComponentMetadata md) {
    String v = md.get("authType");
    if (v == null || v.isBlank()) {
      String legacy = md.get("authRequired");
      if (legacy == null || legacy.isBlank()) {
        throw invalid(
            "authType", "is required: none, password or certificate (Dapr's authType values)");
      }
      if (!md.getBoolean("authRequired", false)) {
        return Auth.NONE;
      }
      // Dapr's upgrade of the deprecated key: a password means SASL, otherwise mTLS
      String pw = md.get("saslPassword");
      if (pw != null && !pw.isEmpty()) {
        return Auth.PASSWORD;
      }
      throw invalid("authRequired", "true without saslPassword means mTLS, which is not supported");
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "none" -> Auth.NONE;
      case "password" -> Auth.PASSWORD;
      case "certificate" -> Auth.CERTIFICATE;
      case "mtls", "oidc", "awsiam" ->
          throw invalid(
              "authType",
              "'" + v.trim() + "' is not supported by Tandem; use none, password or certificate");
      default ->
          throw invalid(
              "authType",
              "must be none, password, certificate, mtls, oidc or awsiam; got '" + v + "'");
    };
  }

  private String mechanism(ComponentMetadata md) {
    String v = md.get("saslMechanism", "PLAIN").trim().toUpperCase(Locale.ROOT);
    return switch (v) {
      case "PLAIN", "PLAINTEXT" -> "PLAIN";
      case "SHA-256", "SCRAM-SHA-256" -> "SCRAM-SHA-256";
      case "SHA-512", "SCRAM-SHA-512" -> "SCRAM-SHA-512";
      default ->
          throw invalid(
              "saslMechanism", "must be PLAINTEXT (PLAIN), SHA-256 or SHA-512; got '" + v + "'");
    };
  }

  private String caCert(ComponentMetadata md) {
    String v = md.get("caCert");
    if (v == null || v.isBlank()) {
      return null;
    }
    if (!v.contains("-----BEGIN CERTIFICATE-----")) {
      throw invalid("caCert", "is not a PEM certificate");
    }
    return v.trim();
  }

  private InitialOffset initialOffset(ComponentMetadata md) {
    String v = md.get("initialOffset");
    if (v == null || v.isBlank()) {
      return InitialOffset.NEWEST;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "newest" -> InitialOffset.NEWEST;
      case "oldest" -> InitialOffset.OLDEST;
      default -> throw invalid("initialOffset", "must be newest or oldest; got '" + v + "'");
    };
  }

  /** Dapr reads a bare number as milliseconds here, unlike its other durations. */
  private Duration consumeRetryInterval(ComponentMetadata md) {
    String v = md.get("consumeRetryInterval");
    if (v == null || v.isBlank()) {
      return DEFAULT_CONSUME_RETRY_INTERVAL;
    }
    Duration d;
    try {
      d =
          v.trim().matches("\\d+")
              ? Duration.ofMillis(Long.parseLong(v.trim()))
              : Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw invalid("consumeRetryInterval", "is not a duration: " + v);
    }
    if (d.isNegative()) {
      throw invalid("consumeRetryInterval", "must not be negative");
    }
    return d;
  }

  private Duration positive(ComponentMetadata md, String key, Duration def) {
    Duration d = md.getDuration(key, def);
    if (d.isNegative() || d.isZero()) {
      throw invalid(key, "must be positive");
    }
    return d;
  }

  private String compression(ComponentMetadata md) {
    String v = md.get("compression", "none").trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "none", "gzip", "snappy", "lz4", "zstd" -> v;
      default ->
          throw invalid("compression", "must be none, gzip, snappy, lz4 or zstd; got '" + v + "'");
    };
  }

  private List<String> assignors(ComponentMetadata md) {
    String v = md.get("consumerGroupRebalanceStrategy");
    if (v == null || v.isBlank()) {
      // incremental rebalances, so that one subscription joining does not stop the others;
      // range second so that a group still forms with members that only know range
      return List.of(CooperativeStickyAssignor.class.getName(), RangeAssignor.class.getName());
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "range" -> List.of(RangeAssignor.class.getName());
      case "sticky" -> List.of(StickyAssignor.class.getName());
      case "roundrobin" -> List.of(RoundRobinAssignor.class.getName());
      default ->
          throw invalid(
              "consumerGroupRebalanceStrategy",
              "must be range, sticky or roundrobin; got '" + v + "'");
    };
  }

  private String firstSet(ComponentMetadata md, String a, String b, String fallback) {
    String v = md.get(a);
    if (v != null && !v.isBlank()) {
      return v.trim();
    }
    v = md.get(b);
    if (v != null && !v.isBlank()) {
      return v.trim();
    }
    return fallback;
  }

  private String required(ComponentMetadata md, String key, String when) {
    String v = md.get(key);
    if (v == null || v.isEmpty()) {
      throw invalid(key, "is required " + when);
    }
    return v;
  }

  private ComponentException invalid(String key, String problem) {
    return ComponentException.invalid(
        "component " + component + ": metadata '" + key + "' " + problem);
  }

  /** {@code s} inside a double-quoted JAAS option value. */
  static String jaasQuote(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
