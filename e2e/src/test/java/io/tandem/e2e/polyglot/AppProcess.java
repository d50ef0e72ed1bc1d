package io.tandem.e2e.polyglot;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An app of another language (python, node) as a real process: its output goes to a log file, it is
 * ready when its control port answers {@code GET /ready}, and {@link #close} kills it and its
 * children.
 */
public final class AppProcess implements AutoCloseable {
  final String name;
  final Path log;
  final int controlPort;
  private final Process process;

  private AppProcess(String name, Path log, int controlPort, Process process) {
    this.name = name;
    this.log = log;
    this.controlPort = controlPort;
    this.process = process;
  }

  public static AppProcess start(
      String name, List<String> command, Path workDir, Map<String, String> env, int controlPort)
      throws IOException {
    Path logDir = Path.of("target", "polyglot-logs");
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + "-" + controlPort + ".log").toAbsolutePath();
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().remove("DAPR_API_TOKEN");
    pb.environment().remove("APP_API_TOKEN");
    pb.environment().putAll(env);
    return new AppProcess(name, log, controlPort, pb.start());
  }

  public String controlUrl() {
    return "http://127.0.0.1:" + controlPort;
  }

  /** Waits for {@code GET /ready} to answer 200; fails with the log when the process dies. */
  public AppProcess awaitReady(Duration timeout) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + ":\n" + output());
      }
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(URI.create(controlUrl() + "/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return this;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(name + " not ready in " + timeout + ":\n" + output());
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroy);
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
