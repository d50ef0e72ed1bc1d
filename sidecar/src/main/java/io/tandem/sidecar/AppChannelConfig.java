package io.tandem.sidecar;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How the sidecar reaches its app: daprd's {@code --app-*} flags. A port of 0 means there is no app
 * (the sidecar serves its APIs but delivers nothing).
 */
public record AppChannelConfig(
    int port,
    String protocol,
    String address,
    int maxConcurrency,
    boolean healthCheck,
    String healthPath,
    Duration healthInterval,
    Duration healthTimeout,
    int healthThreshold,
    String apiToken) {

  public AppChannelConfig {
    protocol = protocol == null ? "http" : protocol.toLowerCase(Locale.ROOT);
    if (!List.of("http", "https", "grpc", "grpcs", "h2c").contains(protocol)) {
      throw new IllegalArgumentException(
          "--app-protocol must be one of http, https, grpc, grpcs, h2c; got " + protocol);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--app-port out of range: " + port);
    }
    address = address == null || address.isBlank() ? "127.0.0.1" : address;
    healthPath = healthPath == null || healthPath.isBlank() ? "/healthz" : healthPath;
    if (!healthPath.startsWith("/")) {
      healthPath = "/" + healthPath;
    }
    healthInterval = healthInterval == null ? Duration.ofSeconds(5) : healthInterval;
    healthTimeout = healthTimeout == null ? Duration.ofMillis(500) : healthTimeout;
    if (healthInterval.isNegative() || healthInterval.isZero()) {
      throw new IllegalArgumentException("--app-health-probe-interval must be positive");
    }
    if (healthTimeout.isNegative() || healthTimeout.isZero()) {
      throw new IllegalArgumentException("--app-health-probe-timeout must be positive");
    }
    if (healthThreshold < 1) {
      throw new IllegalArgumentException("--app-health-threshold must be at least 1");
    }
    if (apiToken != null && apiToken.isEmpty()) {
      apiToken = null;
    }
  }

  public static AppChannelConfig none() {
    return new AppChannelConfig(0, "http", null, -1, false, null, null, null, 3, null);
  }

  public boolean hasApp() {
    return port > 0;
  }

  public boolean isGrpc() {
    return protocol.equals("grpc") || protocol.equals("grpcs");
  }

  public boolean isTls() {
    return protocol.equals("https") || protocol.equals("grpcs");
  }

  public AppChannelConfig withPort(int p) {
    return new AppChannelConfig(
        p,
        protocol,
        address,
        maxConcurrency,
        healthCheck,
        healthPath,
        healthInterval,
        healthTimeout,
        healthThreshold,
        apiToken);
  }

  public AppChannelConfig withApiToken(String token) {
    return new AppChannelConfig(
        port,
        protocol,
        address,
        maxConcurrency,
        healthCheck,
        healthPath,
        healthInterval,
        healthTimeout,
        healthThreshold,
        token);
  }
}
