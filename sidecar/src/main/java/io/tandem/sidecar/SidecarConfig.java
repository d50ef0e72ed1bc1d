package io.tandem.sidecar;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sidecar's resolved settings. Built by {@link Main} from daprd-named flags and the
 * environment, or directly by tests. Ports of 0 pick a free port.
 */
public record SidecarConfig(
    String appId,
    int appPort,
    String appProtocol,
    String appChannelAddress,
    int httpPort,
    int grpcPort,
    int internalGrpcPort,
    int metricsPort,
    boolean enableMetrics,
    List<Path> resourcesPaths,
    Path configFile,
    String mode,
    String namespace,
    List<String> listenAddresses,
    long maxBodySize,
    String apiToken,
    String appApiToken) {

  public static final long DEFAULT_MAX_BODY_SIZE = 4L * 1024 * 1024;

  public SidecarConfig {
    if (appId == null || appId.isBlank()) {
      throw new IllegalArgumentException("--app-id is required");
    }
    appProtocol = appProtocol == null ? "http" : appProtocol.toLowerCase(Locale.ROOT);
    if (!List.of("http", "https", "grpc", "grpcs", "h2c").contains(appProtocol)) {
      throw new IllegalArgumentException(
          "--app-protocol must be one of http, https, grpc, grpcs, h2c; got " + appProtocol);
    }
    mode = mode == null ? "standalone" : mode.toLowerCase(Locale.ROOT);
    if (!List.of("standalone", "kubernetes").contains(mode)) {
      throw new IllegalArgumentException("--mode must be standalone or kubernetes; got " + mode);
    }
    for (int p : new int[] {appPort, httpPort, grpcPort, internalGrpcPort, metricsPort}) {
      if (p < 0 || p > 65535) {
        throw new IllegalArgumentException("port out of range: " + p);
      }
    }
    if (maxBodySize <= 0) {
      throw new IllegalArgumentException("--max-body-size must be positive");
    }
    resourcesPaths = List.copyOf(resourcesPaths);
    listenAddresses =
        listenAddresses.isEmpty() ? List.of("127.0.0.1") : List.copyOf(listenAddresses);
    namespace = namespace == null ? "" : namespace;
    appChannelAddress =
        appChannelAddress == null || appChannelAddress.isBlank() ? "127.0.0.1" : appChannelAddress;
  }

  /** Defaults for {@code appId}: daprd's ports, loopback, no resources. */
  public static SidecarConfig defaults(String appId) {
    return new SidecarConfig(
        appId,
        0,
        "http",
        null,
        3500,
        50001,
        50002,
        9090,
        true,
        List.of(),
        null,
        "standalone",
        "",
        List.of("127.0.0.1"),
        DEFAULT_MAX_BODY_SIZE,
        null,
        null);
  }

  /** Reads the tokens from the environment, as daprd does. */
  public SidecarConfig withEnvironment(Map<String, String> env) {
    return new SidecarConfig(
        appId,
        appPort,
        appProtocol,
        appChannelAddress,
        httpPort,
        grpcPort,
        internalGrpcPort,
        metricsPort,
        enableMetrics,
        resourcesPaths,
        configFile,
        mode,
        env.getOrDefault("NAMESPACE", namespace),
        listenAddresses,
        maxBodySize,
        env.get("DAPR_API_TOKEN"),
        env.get("APP_API_TOKEN"));
  }

  public SidecarConfig withPorts(int http, int grpc, int metrics) {
    return new SidecarConfig(
        appId,
        appPort,
        appProtocol,
        appChannelAddress,
        http,
        grpc,
        internalGrpcPort,
        metrics,
        enableMetrics,
        resourcesPaths,
        configFile,
        mode,
        namespace,
        listenAddresses,
        maxBodySize,
        apiToken,
        appApiToken);
  }

  public SidecarConfig withResources(List<Path> paths) {
    return new SidecarConfig(
        appId,
        appPort,
        appProtocol,
        appChannelAddress,
        httpPort,
        grpcPort,
        internalGrpcPort,
        metricsPort,
        enableMetrics,
        paths,
        configFile,
        mode,
        namespace,
        listenAddresses,
        maxBodySize,
        apiToken,
        appApiToken);
  }

  public SidecarConfig withApiToken(String token) {
    return new SidecarConfig(
        appId,
        appPort,
        appProtocol,
        appChannelAddress,
        httpPort,
        grpcPort,
        internalGrpcPort,
        metricsPort,
        enableMetrics,
        resourcesPaths,
        configFile,
        mode,
        namespace,
        listenAddresses,
        maxBodySize,
        token,
        appApiToken);
  }

  public SidecarConfig withMaxBodySize(long bytes) {
    return new SidecarConfig(
        appId,
        appPort,
        appProtocol,
        appChannelAddress,
        httpPort,
        grpcPort,
        internalGrpcPort,
        metricsPort,
        enableMetrics,
        resourcesPaths,
        configFile,
        mode,
        namespace,
        listenAddresses,
        bytes,
        apiToken,
        appApiToken);
  }

  /** The settings as one log line, tokens masked. */
  public String describe() {
    return String.format(
        "appId=%s mode=%s http=%d grpc=%d internalGrpc=%d metrics=%s listen=%s appPort=%d"
            + " appProtocol=%s resources=%s config=%s maxBodySize=%d apiToken=%s appApiToken=%s",
        appId,
        mode,
        httpPort,
        grpcPort,
        internalGrpcPort,
        enableMetrics ? Integer.toString(metricsPort) : "off",
        listenAddresses,
        appPort,
        appProtocol,
        resourcesPaths,
        configFile,
        maxBodySize,
        apiToken == null ? "unset" : "set",
        appApiToken == null ? "unset" : "set");
  }
}
