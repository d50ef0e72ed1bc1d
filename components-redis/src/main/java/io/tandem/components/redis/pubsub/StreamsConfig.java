package io.tandem.components.redis.pubsub;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.Durations;
import io.tandem.components.pubsub.BackOff;
import io.tandem.components.pubsub.PubSub;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The Redis Streams metadata of {@code pubsub.redis}, with Dapr's keys and defaults, read from the
 * component's metadata (the connection keys are {@link
 * io.tandem.components.redis.RedisSettings}'s).
 *
 * @param consumerId the consumer group: {@code consumerID}, else the app id
 * @param processingTimeout how long a message stays pending with a consumer before another one may
 *     claim it; zero disables reclaiming
 * @param redeliverInterval how often pending messages are looked for; zero disables reclaiming
 * @param queueDepth messages read ahead of the handler, per subscription
 * @param concurrency handler calls in progress at once, per subscription
 * @param maxLenApprox {@code XADD MAXLEN ~} cap; zero for none
 * @param streamTtl {@code XADD MINID ~} age cap; zero for none
 * @param backOff the wait before a message the handler failed is handed to it again
 */
record StreamsConfig(
    String consumerId,
    Duration processingTimeout,
    Duration redeliverInterval,
    int queueDepth,
    int concurrency,
    long maxLenApprox,
    Duration streamTtl,
    BackOff backOff) {

  static final Duration DEFAULT_PROCESSING_TIMEOUT = Duration.ofSeconds(60);
  static final Duration DEFAULT_REDELIVER_INTERVAL = Duration.ofSeconds(60);
  static final int DEFAULT_QUEUE_DEPTH = 100;
  static final int DEFAULT_CONCURRENCY = 10;

  /**
   * Redeliveries of failed messages: exponential from 1 s, doubling, at most 30 s, for ever. Dapr's
   * Redis component has no back-off keys (a failed message waits for {@code processingTimeout});
   * Tandem accepts the {@code backOff*} keys the other brokers share.
   */
  static final BackOff DEFAULT_BACK_OFF =
      new BackOff(
          BackOff.Policy.EXPONENTIAL,
          Duration.ofSeconds(5),
          Duration.ofSeconds(1),
          2.0,
          Duration.ofSeconds(30),
          -1);

  private static final Pattern MILLIS = Pattern.compile("\\d+");
  private static final Pattern DAYS = Pattern.compile("(\\d+)d");

  boolean reclaims() {
    return !processingTimeout.isZero() && !redeliverInterval.isZero();
  }

  static StreamsConfig from(ComponentMetadata md, String appId) {
    String consumer = md.get(PubSub.CONSUMER_ID, appId);
    if (consumer == null || consumer.isBlank()) {
      throw ComponentException.invalid(
          "component "
              + md.name()
              + ": metadata '"
              + PubSub.CONSUMER_ID
              + "' is empty and there is no app id to default to");
    }
    Duration processing = millisOrDuration(md, "processingTimeout", DEFAULT_PROCESSING_TIMEOUT);
    Duration redeliver = millisOrDuration(md, "redeliverInterval", DEFAULT_REDELIVER_INTERVAL);
    int depth = md.getInt("queueDepth", DEFAULT_QUEUE_DEPTH);
    if (depth < 1) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'queueDepth' must be at least 1: " + depth);
    }
    int concurrency = md.getInt("concurrency", DEFAULT_CONCURRENCY);
    if (concurrency < 1) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'concurrency' must be at least 1: " + concurrency);
    }
    long maxLen = 0;
    String maxLenText = md.get("maxLenApprox");
    if (maxLenText != null && !maxLenText.isBlank()) {
      try {
        maxLen = Long.parseLong(maxLenText.trim());
      } catch (NumberFormatException e) {
        throw ComponentException.invalid(
            "component "
                + md.name()
                + ": metadata 'maxLenApprox' is not an integer: "
                + maxLenText);
      }
      if (maxLen < 0) {
        throw ComponentException.invalid(
            "component " + md.name() + ": metadata 'maxLenApprox' must not be negative");
      }
    }
    Duration ttl = streamTtl(md);
    return new StreamsConfig(
        consumer.trim(),
        processing,
        redeliver,
        depth,
        concurrency,
        maxLen,
        ttl,
        BackOff.fromMetadata(md, DEFAULT_BACK_OFF));
  }

  /** Dapr reads a bare number in these two keys as milliseconds, and else a Go duration. */
  private static Duration millisOrDuration(ComponentMetadata md, String key, Duration dflt) {
    String v = md.get(key);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    String t = v.trim();
    Duration d;
    try {
      d = MILLIS.matcher(t).matches() ? Duration.ofMillis(Long.parseLong(t)) : Durations.parse(t);
    } catch (IllegalArgumentException e) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata '" + key + "' is not a duration: " + v);
    }
    if (d.isNegative()) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata '" + key + "' must not be negative: " + v);
    }
    return d;
  }

  /** A Go duration, bare seconds, or whole days ({@code 30d}, as Dapr's docs show). */
  private static Duration streamTtl(ComponentMetadata md) {
    String v = md.get("streamTTL");
    if (v == null || v.isBlank()) {
      return Duration.ZERO;
    }
    String t = v.trim().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      var days = DAYS.matcher(t);
      d = days.matches() ? Duration.ofDays(Long.parseLong(days.group(1))) : Durations.parse(t);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'streamTTL' is not a duration: " + v);
    }
    if (d.isNegative()) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'streamTTL' must not be negative: " + v);
    }
    return d;
  }

  @Override
  public String toString() {
    return "consumer group "
        + consumerId
        + ", processingTimeout "
        + processingTimeout
        + ", redeliverInterval "
        + redeliverInterval
        + ", queueDepth "
        + queueDepth
        + ", concurrency "
        + concurrency
        + (maxLenApprox > 0 ? ", maxLenApprox " + maxLenApprox : "")
        + (streamTtl.isZero() ? "" : ", streamTTL " + streamTtl);
  }
}
