package io.tandem.components.pubsub;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.time.Duration;
import java.util.Locale;

/**
 * How long a broker waits before redelivering a message its handler failed, configured with the
 * {@code backOff*} metadata keys Dapr's components share: {@code backOffPolicy} ({@code constant}
 * or {@code exponential}), {@code backOffDuration} (constant delay), {@code
 * backOffInitialInterval}, {@code backOffMultiplier} and {@code backOffMaxInterval} (exponential),
 * and {@code backOffMaxRetries} (redeliveries before the broker gives the message up; -1: never).
 *
 * @param maxRetries redeliveries allowed after the first attempt; negative for no limit
 */
public record BackOff(
    Policy policy,
    Duration duration,
    Duration initialInterval,
    double multiplier,
    Duration maxInterval,
    long maxRetries) {

  public enum Policy {
    CONSTANT,
    EXPONENTIAL
  }

  /** Dapr's defaults: a constant 5 s, retrying for ever. */
  public static final BackOff DAPR_DEFAULT =
      new BackOff(
          Policy.CONSTANT,
          Duration.ofSeconds(5),
          Duration.ofMillis(500),
          1.5,
          Duration.ofSeconds(60),
          -1);

  public BackOff {
    if (multiplier < 1) {
      throw new IllegalArgumentException("backOffMultiplier must be at least 1: " + multiplier);
    }
    for (Duration d : new Duration[] {duration, initialInterval, maxInterval}) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("back-off durations must not be negative: " + d);
      }
    }
  }

  /** Reads the {@code backOff*} keys of {@code metadata}, taking the rest from {@code defaults}. */
  public static BackOff fromMetadata(ComponentMetadata metadata, BackOff defaults) {
    String p = metadata.get("backOffPolicy", defaults.policy().name());
    Policy policy;
    switch (p.trim().toLowerCase(Locale.ROOT)) {
      case "constant" -> policy = Policy.CONSTANT;
      case "exponential" -> policy = Policy.EXPONENTIAL;
      default ->
          throw ComponentException.invalid(
              "component "
                  + metadata.name()
                  + ": metadata 'backOffPolicy' must be constant or exponential, not "
                  + p);
    }
    String multiplier = metadata.get("backOffMultiplier");
    double m = defaults.multiplier();
    if (multiplier != null && !multiplier.isBlank()) {
      try {
        m = Double.parseDouble(multiplier.trim());
      } catch (NumberFormatException e) {
        throw ComponentException.invalid(
            "component " + metadata.name() + ": metadata 'backOffMultiplier' is not a number");
      }
    }
    try {
      return new BackOff(
          policy,
          metadata.getDuration("backOffDuration", defaults.duration()),
          metadata.getDuration("backOffInitialInterval", defaults.initialInterval()),
          m,
          metadata.getDuration("backOffMaxInterval", defaults.maxInterval()),
          metadata.getInt("backOffMaxRetries", (int) defaults.maxRetries()));
    } catch (IllegalArgumentException e) {
      throw ComponentException.invalid("component " + metadata.name() + ": " + e.getMessage());
    }
  }

  /** The wait before redelivery number {@code failures} (1 after the first failure). */
  public Duration delay(int failures) {
    if (policy == Policy.CONSTANT) {
      return duration;
    }
    double ms = initialInterval.toMillis() * Math.pow(multiplier, Math.max(0, failures - 1));
    return ms >= maxInterval.toMillis() ? maxInterval : Duration.ofMillis((long) ms);
  }

  /** Whether a message that failed {@code failures} times has used up its redeliveries. */
  public boolean exhausted(int failures) {
    return maxRetries >= 0 && failures > maxRetries;
  }
}
