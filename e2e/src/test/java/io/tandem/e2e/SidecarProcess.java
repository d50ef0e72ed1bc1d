package io.tandem.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real sidecar process ({@code java -jar tandem-sidecar.jar}) on free loopback ports, for the
 * end-to-end tests and the benchmark. Its output goes to a log file under {@code target/} that
 * failures point at.
 */
public final class SidecarProcess implements AutoCloseable {
  public final String appId;
  public final int httpPort;
  public final int grpcPort;
  public final int metricsPort;
  public final Path log;
  public final long startNanos;
  private final Process process;

  private SidecarProcess(
      String appId,
      int httpPort,
      int grpcPort,
      int metricsPort,
      Path log,
      Process process,
      long startNanos) {
    this.appId = appId;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
    this.log = log;
    this.process = process;
    this.startNanos = startNanos;
  }

  /** The sidecar jar built by the sidecar module. */
  public static Path jar() {
    String p = System.getProperty("tandem.sidecar.jar");
    Path jar = p != null ? Path.of(p) : Path.of("..", "sidecar", "target", "tandem-sidecar.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("sidecar jar not built: " + jar.toAbsolutePath());
    }
    return jar.toAbsolutePath().normalize();
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts a sidecar; does not wait for it (see {@link #awaitHealthy}). */
  public static SidecarProcess launch(
      String appId, Path resources, Map<String, String> env, String... extraArgs)
      throws IOException {
    int http = freePort();
    int grpc = freePort();
    int metrics = freePort();
    Path logDir = Path.of("target", "sidecar-logs");
    Files.createDirectories(logDir);
    Path log = logDir.resolve(appId + "-" + http + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(
        List.of(
            "--app-id", appId,
            "--dapr-http-port", Integer.toString(http),
            "--dapr-grpc-port", Integer.toString(grpc),
            "--metrics-port", Integer.toString(metrics)));
    if (resources != null) {
      cmd.add("--resources-path");
      cmd.add(resources.toString());
    }
    cmd.addAll(invocationDefaults(logDir, extraArgs));
    cmd.addAll(List.of(extraArgs));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("DAPR_API_TOKEN");
    pb.environment().putAll(env);
    long start = System.nanoTime();
    return new SidecarProcess(appId, http, grpc, metrics, log, pb.start(), start);
  }

  /**
   * Service invocation settings a test did not choose: a free internal port (sidecars of one test
   * must not share 50002) and a name registry under {@code target/} rather than the home directory.
   */
  private static List<String> invocationDefaults(Path logDir, String... extraArgs) {
    List<String> given = List.of(extraArgs);
    List<String> out = new ArrayList<>();
    if (!given.contains("--dapr-internal-grpc-port")) {
      out.addAll(List.of("--dapr-internal-grpc-port", Integer.toString(freePort())));
    }
    if (!given.contains("--name-resolution-file")) {
      out.addAll(
          List.of(
              "--name-resolution-file",
              logDir.resolve("name-resolution.db").toAbsolutePath().toString()));
    }
    return out;
  }

  /** Waits until {@code /v1.0/healthz} answers 204; fails with the log when the process dies. */
  public SidecarProcess awaitHealthy(Duration timeout) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "sidecar exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<Void> r =
            client.send(
                HttpRequest.newBuilder(URI.create(httpBase() + "/v1.0/healthz")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 204) {
          return this;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(
        "sidecar not healthy in " + timeout + ":\n" + Files.readString(log));
  }

  public String httpBase() {
    return "http://127.0.0.1:" + httpPort;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills the process with SIGKILL: no shutdown hook runs (a crashed sidecar). */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("sidecar still running after " + timeout);
    }
    return process.exitValue();
  }

  public String output() throws IOException {
    return Files.readString(log);
  }

  /** Resident set size in KiB, from /proc. */
  public long rssKiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
