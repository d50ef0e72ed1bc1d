package io.tandem.sidecar;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sidecar's resolved settings. Built by {@link Main} from daprd-named flags and the
 * environment, or by tests through {@link #builder}. Ports of 0 pick a free port.
 */
public record SidecarConfig(
    String appId,
    AppChannelConfig app,
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
    Path nameResolutionFile) {

  public static final long DEFAULT_MAX_BODY_SIZE = 4L * 1024 * 1024;

  public SidecarConfig {
    if (appId == null || appId.isBlank()) {
      throw new IllegalArgumentException("--app-id is required");
    }
    app = app == null ? AppChannelConfig.none() : app;
    mode = mode == null ? "standalone" : mode.toLowerCase(Locale.ROOT);
    if (!List.of("standalone", "kubernetes").contains(mode)) {
      throw new IllegalArgumentException("--mode must be standalone or kubernetes; got " + mode);
    }
    for (int p : new int[] {httpPort, grpcPort, internalGrpcPort, metricsPort}) {
      if (p < 0 || p > 65535) {
        throw new IllegalArgumentException("port out of range: " + p);
      }
    }
    if (maxBodySize <= 0) {
      throw new IllegalArgumentException("--max-body-size must be positive");
    }
    resourcesPaths = List.copyOf(resourcesPaths);
    listenAddresses =
        listenAddresses == null || listenAddresses.isEmpty()
            ? List.of("127.0.0.1")
            : List.copyOf(listenAddresses);
    namespace = namespace == null ? "" : namespace;
    if (nameResolutionFile == null) {
      nameResolutionFile =
          Path.of(System.getProperty("user.home"), ".tandem", "name-resolution.db");
    }
    if (apiToken != null && apiToken.isEmpty()) {
      apiToken = null;
    }
  }

  public static Builder builder(String appId) {
    return new Builder(appId);
  }

  /** Defaults for {@code appId}: daprd's ports, loopback, no resources, no app. */
  public static SidecarConfig defaults(String appId) {
    return builder(appId).build();
  }

  public Builder toBuilder() {
    Builder b = new Builder(appId);
    b.app = app;
    b.httpPort = httpPort;
    b.grpcPort = grpcPort;
    b.internalGrpcPort = internalGrpcPort;
    b.metricsPort = metricsPort;
    b.enableMetrics = enableMetrics;
    b.resourcesPaths = new ArrayList<>(resourcesPaths);
    b.configFile = configFile;
    b.mode = mode;
    b.namespace = namespace;
    b.listenAddresses = new ArrayList<>(listenAddresses);
    b.maxBodySize = maxBodySize;
    b.apiToken = apiToken;
    b.nameResolutionFile = nameResolutionFile;
    return b;
  }

  /** Reads what daprd reads from the environment: the API tokens and the namespace. */
  public SidecarConfig withEnvironment(Map<String, String> env) {
    Builder b = toBuilder();
    b.apiToken = env.get("DAPR_API_TOKEN");
    b.app = app.withApiToken(env.get("APP_API_TOKEN"));
    b.namespace = env.getOrDefault("NAMESPACE", namespace);
    return b.build();
  }

  /** The settings as one log line, tokens masked. */
  public String describe() {
    return String.format(
        "appId=%s mode=%s http=%d grpc=%d internalGrpc=%d metrics=%s listen=%s app=%s"
            + " resources=%s config=%s maxBodySize=%d apiToken=%s appApiToken=%s nameResolution=%s",
        appId,
        mode,
        httpPort,
        grpcPort,
        internalGrpcPort,
        enableMetrics ? Integer.toString(metricsPort) : "off",
        listenAddresses,
        app.hasApp()
            ? app.protocol()
                + "://"
                + app.address()
                + ":"
                + app.port()
                + (app.maxConcurrency() > 0 ? " maxConcurrency=" + app.maxConcurrency() : "")
                + (app.healthCheck() ? " healthCheck=" + app.healthPath() : "")
            : "none",
        resourcesPaths,
        configFile,
        maxBodySize,
        apiToken == null ? "unset" : "set",
        app.apiToken() == null ? "unset" : "set",
        nameResolutionFile);
  }

  /** Mutable builder; every field starts at daprd's default. */
  public static final class Builder {
    private final String appId;
    public AppChannelConfig app = AppChannelConfig.none();
    public int httpPort = 3500;
    public int grpcPort = 50001;
    public int internalGrpcPort = 50002;
    public int metricsPort = 9090;
    public boolean enableMetrics = true;
    public List<Path> resourcesPaths = new ArrayList<>();
    public Path configFile;
    public String mode = "standalone";
    public String namespace = "";
    public List<String> listenAddresses = new ArrayList<>(List.of("127.0.0.1"));
    public long maxBodySize = DEFAULT_MAX_BODY_SIZE;
    public String apiToken;
    public Path nameResolutionFile;

    private Builder(String appId) {
      this.appId = appId;
    }

    public Builder ports(int http, int grpc, int internalGrpc, int metrics) {
      this.httpPort = http;
      this.grpcPort = grpc;
      this.internalGrpcPort = internalGrpc;
      this.metricsPort = metrics;
      return this;
    }

    public Builder app(AppChannelConfig app) {
      this.app = app;
      return this;
    }

    public Builder resources(List<Path> paths) {
      this.resourcesPaths = new ArrayList<>(paths);
      return this;
    }

    public Builder apiToken(String token) {
      this.apiToken = token;
      return this;
    }

    public Builder maxBodySize(long bytes) {
      this.maxBodySize = bytes;
      return this;
    }

    public Builder nameResolutionFile(Path file) {
      this.nameResolutionFile = file;
      return this;
    }

    public SidecarConfig build() {
      return new SidecarConfig(
          appId,
          app,
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
          apiToken,
          nameResolutionFile);
    }
  }
}
