package io.tandem.sidecar;

import io.tandem.crds.ResourceLoadException;
import io.tandem.sidecar.logging.LogSetup;
import io.tandem.sidecar.registry.ComponentLoadException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The sidecar's command line, with daprd's flag names (one or two leading dashes). */
@Command(
    name = "tandem-sidecar",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Tandem sidecar: Dapr's HTTP and gRPC APIs next to your app.")
public final class Main implements Callable<Integer> {

  @Option(
      names = {"--app-id", "-app-id"},
      required = true,
      description = "The app's id.")
  String appId;

  @Option(
      names = {"--app-port", "-app-port"},
      defaultValue = "0",
      description = "The port the app listens on (0: none).")
  int appPort;

  @Option(
      names = {"--app-protocol", "-app-protocol"},
      defaultValue = "http",
      description = "http, https, grpc, grpcs or h2c.")
  String appProtocol;

  @Option(
      names = {"--app-channel-address", "-app-channel-address"},
      defaultValue = "127.0.0.1",
      description = "Where the app listens.")
  String appChannelAddress;

  @Option(
      names = {"--app-max-concurrency", "-app-max-concurrency"},
      defaultValue = "-1",
      description = "Most calls in flight to the app at once (-1: unlimited).")
  int appMaxConcurrency;

  @Option(
      names = {"--enable-app-health-check", "-enable-app-health-check"},
      defaultValue = "false",
      arity = "0..1",
      fallbackValue = "true",
      description = "Probe the app's health; pause deliveries while it is unhealthy.")
  boolean appHealthCheck;

  @Option(
      names = {"--app-health-check-path", "-app-health-check-path"},
      defaultValue = "/healthz",
      description = "HTTP path probed (HTTP apps).")
  String appHealthPath;

  @Option(
      names = {"--app-health-probe-interval", "-app-health-probe-interval"},
      defaultValue = "5",
      description = "Seconds between probes.")
  int appHealthInterval;

  @Option(
      names = {"--app-health-probe-timeout", "-app-health-probe-timeout"},
      defaultValue = "500",
      description = "Milliseconds a probe may take.")
  int appHealthTimeout;

  @Option(
      names = {"--app-health-threshold", "-app-health-threshold"},
      defaultValue = "3",
      description = "Failed probes in a row before the app counts as unhealthy.")
  int appHealthThreshold;

  @Option(
      names = {"--name-resolution-file", "-name-resolution-file"},
      description =
          "Standalone name resolution registry shared by the sidecars of this machine"
              + " (default ~/.tandem/name-resolution.db).")
  Path nameResolutionFile;

  @Option(
      names = {"--dapr-http-port", "-dapr-http-port"},
      defaultValue = "3500",
      description = "HTTP API port.")
  int httpPort;

  @Option(
      names = {"--dapr-grpc-port", "-dapr-grpc-port"},
      defaultValue = "50001",
      description = "gRPC API port.")
  int grpcPort;

  @Option(
      names = {"--dapr-internal-grpc-port", "-dapr-internal-grpc-port"},
      defaultValue = "50002",
      description = "Sidecar-to-sidecar gRPC port.")
  int internalGrpcPort;

  @Option(
      names = {"--metrics-port", "-metrics-port"},
      defaultValue = "9090",
      description = "Prometheus metrics port.")
  int metricsPort;

  @Option(
      names = {"--enable-metrics", "-enable-metrics"},
      defaultValue = "true",
      arity = "0..1",
      fallbackValue = "true",
      description = "Serve Prometheus metrics.")
  boolean enableMetrics;

  @Option(
      names = {"--resources-path", "-resources-path", "--components-path", "-components-path"},
      description = "A directory (or file) of resource YAML; repeatable.")
  List<Path> resourcesPaths = new ArrayList<>();

  @Option(
      names = {"--config", "-config"},
      description = "A Configuration resource file.")
  Path config;

  @Option(
      names = {"--mode", "-mode"},
      defaultValue = "standalone",
      description = "standalone or kubernetes.")
  String mode;

  @Option(
      names = {"--log-level", "-log-level"},
      defaultValue = "info",
      description = "debug, info, warn, error or fatal.")
  String logLevel;

  @Option(
      names = {"--log-as-json", "-log-as-json"},
      defaultValue = "false",
      arity = "0..1",
      fallbackValue = "true",
      description = "Log one JSON object per line.")
  boolean logAsJson;

  @Option(
      names = {"--dapr-listen-addresses", "-dapr-listen-addresses"},
      split = ",",
      description = "Addresses to listen on (default 127.0.0.1).")
  List<String> listenAddresses = new ArrayList<>();

  @Option(
      names = {"--max-body-size", "-max-body-size"},
      defaultValue = "4Mi",
      description = "Largest request body, e.g. 4Mi (a bare number is MiB).")
  String maxBodySize;

  @Override
  public Integer call() {
    LogSetup.configure(logLevel, logAsJson, appId, Sidecar.version());
    Logger log = LoggerFactory.getLogger("tandem.sidecar");
    Sidecar sidecar;
    try {
      SidecarConfig.Builder b = SidecarConfig.builder(appId);
      b.app =
          new AppChannelConfig(
              appPort,
              appProtocol,
              appChannelAddress,
              appMaxConcurrency,
              appHealthCheck,
              appHealthPath,
              Duration.ofSeconds(appHealthInterval),
              Duration.ofMillis(appHealthTimeout),
              appHealthThreshold,
              null);
      b.ports(httpPort, grpcPort, internalGrpcPort, metricsPort);
      b.enableMetrics = enableMetrics;
      b.resourcesPaths = resourcesPaths;
      b.configFile = config;
      b.mode = mode;
      b.listenAddresses = listenAddresses;
      b.maxBodySize = Quantities.parseBytes(maxBodySize, true);
      b.nameResolutionFile = nameResolutionFile;
      SidecarConfig cfg = b.build().withEnvironment(System.getenv());
      sidecar = Sidecar.start(cfg);
    } catch (ResourceLoadException | ComponentLoadException | IllegalArgumentException e) {
      log.error("cannot start: {}", e.getMessage());
      return 1;
    } catch (Exception | Error e) {
      // An Error too: Vert.x threads are not daemons, so returning is what lets the JVM exit.
      log.error("cannot start: {}", e.getMessage(), e);
      return 1;
    }
    Thread hook = new Thread(sidecar::close, "tandem-signal");
    Runtime.getRuntime().addShutdownHook(hook);
    sidecar.terminated().join();
    return 0;
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    System.exit(code);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"tandem-sidecar " + Sidecar.version()};
    }
  }
}
