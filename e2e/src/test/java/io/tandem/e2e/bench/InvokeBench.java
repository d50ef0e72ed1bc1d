package io.tandem.e2e.bench;

import static io.tandem.e2e.bench.BenchSupport.cpuSeconds;
import static io.tandem.e2e.bench.BenchSupport.findRoot;
import static io.tandem.e2e.bench.BenchSupport.flag;
import static io.tandem.e2e.bench.BenchSupport.loadAverage;
import static io.tandem.e2e.bench.BenchSupport.mib;
import static io.tandem.e2e.bench.BenchSupport.rss;
import static io.tandem.e2e.bench.BenchSupport.setting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tandem.e2e.Backends;
import io.tandem.e2e.ResourceFiles;
import io.tandem.e2e.SidecarProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code make bench}, part two: service invocation through two sidecars against the direct call,
 * the way Dapr measures it (fortio at a fixed QPS, 16 connections, 1 KB payload; the added latency
 * at p50/p90/p99 and each sidecar's CPU and memory), and end-to-end pub/sub throughput on {@code
 * pubsub.in-memory}. A measurement, never an assertion. Figures go to {@code
 * bench/results/invoke-<UTC timestamp>.md} and {@code bench/results/latest-invoke.md}.
 *
 * <p>Knobs: {@code BENCH_SHORT=1} (10 s instead of 60 s per run, fewer messages), {@code BENCH_QPS}
 * (1000), {@code BENCH_CONNECTIONS} (16), {@code BENCH_INVOKE_SECONDS}, {@code BENCH_MESSAGES},
 * {@code FORTIO} (path of the fortio binary; bench/run.sh installs it).
 */
public final class InvokeBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root = findRoot();
  private final boolean quick = flag("BENCH_SHORT");
  private final int qps = Integer.parseInt(orDefault("BENCH_QPS", "1000"));
  private final int connections = Integer.parseInt(orDefault("BENCH_CONNECTIONS", "16"));
  private final int seconds =
      Integer.parseInt(orDefault("BENCH_INVOKE_SECONDS", quick ? "10" : "60"));
  private final int messages =
      Integer.parseInt(orDefault("BENCH_MESSAGES", quick ? "5000" : "50000"));
  private final String fortio =
      orDefault("FORTIO", root.resolve("bench/.tools/bin/fortio").toString());
  private final StringBuilder report = new StringBuilder();
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private Path work;

  public static void main(String[] args) throws Exception {
    InvokeBench b = new InvokeBench();
    try {
      b.run();
    } finally {
      b.close();
    }
  }

  private static String orDefault(String name, String fallback) {
    String v = setting(name);
    return v == null || v.isBlank() ? fallback : v.strip();
  }

  private void run() throws Exception {
    work = Files.createTempDirectory("tandem-invoke-bench");
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    line("# Tandem invocation and pub/sub benchmark (" + (quick ? "short" : "full") + " run)");
    line("");
    line("- when: " + Instant.now() + ", load average at start: " + loadAverage());
    line(
        "- machine: "
            + Runtime.getRuntime().availableProcessors()
            + " cores, JVM "
            + System.getProperty("java.version"));
    line("");
    invocation();
    pubsub("in-memory");
    if (System.getenv("TANDEM_TEST_REDIS_ADDR") != null) {
      for (String kind : List.of("redis", "kafka", "rabbitmq")) {
        pubsub(kind);
      }
    } else {
      line("");
      line(
          "pubsub.redis, pubsub.kafka and pubsub.rabbitmq skipped: the test servers are not running"
              + " (run through `make bench`)");
    }
    line("");
    line("- load average at end: " + loadAverage());
    Path results = root.resolve("bench/results");
    Files.createDirectories(results);
    Files.writeString(results.resolve("invoke-" + stamp + ".md"), report);
    Files.writeString(results.resolve("latest-invoke.md"), report);
    System.out.println(report);
    System.out.println("written to " + results.resolve("invoke-" + stamp + ".md"));
  }

  // ---- service invocation: fortio -> (direct | sidecar A -> sidecar B) -> fortio echo server

  private void invocation() throws Exception {
    line("## Service invocation through two sidecars (fortio)");
    line("");
    if (!Files.isExecutable(Path.of(fortio))) {
      line("skipped: fortio not found at " + fortio + " (bench/run.sh installs it)");
      line("");
      return;
    }
    int appPort = SidecarProcess.freePort();
    Process echo =
        new ProcessBuilder(
                fortio,
                "server",
                "-http-port",
                "127.0.0.1:" + appPort,
                "-grpc-port",
                "disabled",
                "-redirect-port",
                "disabled",
                "-loglevel",
                "Warning")
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("fortio-server.log").toFile())
            .start();
    cleanup.add(echo::destroy);
    waitForPort(appPort);

    Path registry = work.resolve("names.db");
    Path resources = Files.createDirectories(work.resolve("invoke-resources"));
    SidecarProcess callee =
        SidecarProcess.launch(
                "bench-callee",
                resources,
                Map.of(),
                "--app-port",
                Integer.toString(appPort),
                "--dapr-internal-grpc-port",
                Integer.toString(SidecarProcess.freePort()),
                "--name-resolution-file",
                registry.toString())
            .awaitHealthy(Duration.ofSeconds(60));
    cleanup.add(callee);
    SidecarProcess caller =
        SidecarProcess.launch(
                "bench-caller",
                resources,
                Map.of(),
                "--dapr-internal-grpc-port",
                Integer.toString(SidecarProcess.freePort()),
                "--name-resolution-file",
                registry.toString())
            .awaitHealthy(Duration.ofSeconds(60));
    cleanup.add(caller);

    String direct = "http://127.0.0.1:" + appPort + "/echo";
    String viaSidecars = caller.httpBase() + "/v1.0/invoke/bench-callee/method/echo";
    HttpResponse<String> probe =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(viaSidecars))
                    .POST(HttpRequest.BodyPublishers.ofString("ping"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (probe.statusCode() != 200) {
      line(
          "skipped: invocation through the sidecars answered "
              + probe.statusCode()
              + ": "
              + probe.body());
      line("");
      return;
    }
    fortioLoad(viaSidecars, Math.min(5, seconds), "warmup"); // JIT warm-up, not reported
    Fortio d = fortioLoad(direct, seconds, "direct");
    double callerCpu0 = cpuSeconds(caller.pid());
    double calleeCpu0 = cpuSeconds(callee.pid());
    long[] peak = new long[2];
    Thread sampler =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                peak[0] = Math.max(peak[0], rss(caller));
                peak[1] = Math.max(peak[1], rss(callee));
                try {
                  Thread.sleep(200);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.start();
    Fortio s = fortioLoad(viaSidecars, seconds, "sidecars");
    sampler.interrupt();
    sampler.join();
    double callerCpu = (cpuSeconds(caller.pid()) - callerCpu0) / s.seconds * 100;
    double calleeCpu = (cpuSeconds(callee.pid()) - calleeCpu0) / s.seconds * 100;

    line(
        String.format(
            Locale.ROOT,
            "%d QPS asked, %d connections, 1 KB POST payload, %d s per run.",
            qps,
            connections,
            seconds));
    line("");
    line("| path | achieved QPS | p50 ms | p90 ms | p99 ms | errors |");
    line("|---|---:|---:|---:|---:|---:|");
    row("direct to the app", d);
    row("app → sidecar → sidecar → app", s);
    line(
        String.format(
            Locale.ROOT,
            "| **added by the sidecars** | | **%.3f** | **%.3f** | **%.3f** | |",
            s.p50 - d.p50,
            s.p90 - d.p90,
            s.p99 - d.p99));
    line("");
    line("| sidecar | CPU (% of one core) | peak RSS |");
    line("|---|---:|---:|");
    line(String.format(Locale.ROOT, "| caller | %.0f%% | %s |", callerCpu, mib(peak[0])));
    line(String.format(Locale.ROOT, "| callee | %.0f%% | %s |", calleeCpu, mib(peak[1])));
    line("");
  }

  private record Fortio(
      double qps, double p50, double p90, double p99, long errors, double seconds) {}

  private Fortio fortioLoad(String url, int secs, String name) throws Exception {
    Path out = work.resolve("fortio-" + name + ".json");
    Process p =
        new ProcessBuilder(
                fortio,
                "load",
                "-qps",
                Integer.toString(qps),
                "-c",
                Integer.toString(connections),
                "-t",
                secs + "s",
                "-payload-size",
                "1024",
                "-p",
                "50,90,99",
                "-loglevel",
                "Error",
                "-json",
                out.toString(),
                url)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("fortio-" + name + ".log").toFile())
            .start();
    if (!p.waitFor(secs + 60L, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "fortio did not finish: " + Files.readString(work.resolve("fortio-" + name + ".log")));
    }
    JsonNode r = JSON.readTree(out.toFile());
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    for (JsonNode pc : r.path("DurationHistogram").path("Percentiles")) {
      double ms = pc.path("Value").asDouble() * 1000;
      switch ((int) pc.path("Percentile").asDouble()) {
        case 50 -> p50 = ms;
        case 90 -> p90 = ms;
        case 99 -> p99 = ms;
        default -> {}
      }
    }
    long ok = r.path("RetCodes").path("200").asLong();
    long total = r.path("DurationHistogram").path("Count").asLong();
    return new Fortio(
        r.path("ActualQPS").asDouble(),
        p50,
        p90,
        p99,
        total - ok,
        r.path("ActualDuration").asDouble() / 1e9);
  }

  private void row(String name, Fortio f) {
    line(
        String.format(
            Locale.ROOT,
            "| %s | %.0f | %.3f | %.3f | %.3f | %d |",
            name,
            f.qps,
            f.p50,
            f.p90,
            f.p99,
            f.errors));
  }

  // ---- pub/sub: publish N messages over HTTP, count them arriving at the subscriber app

  private void pubsub(String kind) throws Exception {
    line("");
    line("## Pub/sub end to end on pubsub." + kind);
    line("");
    String topic = "bench-" + kind + "-" + Long.toHexString(System.nanoTime());
    AtomicInteger received = new AtomicInteger();
    CountDownLatch all = new CountDownLatch(messages);
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ExecutorService appThreads = Executors.newFixedThreadPool(8);
    cleanup.add(appThreads::shutdownNow);
    app.setExecutor(appThreads);
    app.createContext(
        "/dapr/subscribe",
        ex -> {
          byte[] b =
              ("[{\"pubsubname\":\"pubsub\",\"topic\":\"" + topic + "\",\"route\":\"/bench\"}]")
                  .getBytes();
          ex.getResponseHeaders().add("content-type", "application/json");
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    app.createContext(
        "/bench",
        ex -> {
          try (InputStream in = ex.getRequestBody()) {
            in.readAllBytes();
          }
          received.incrementAndGet();
          all.countDown();
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    app.start();
    cleanup.add(() -> app.stop(0));
    Path resources = Files.createDirectories(work.resolve("pubsub-resources-" + kind));
    ResourceFiles.write(resources, "pubsub.yaml", Backends.pubsub("pubsub", kind));
    SidecarProcess sidecar;
    try {
      sidecar =
          SidecarProcess.launch(
                  "bench-pubsub-" + kind,
                  resources,
                  Map.of(),
                  "--app-port",
                  Integer.toString(app.getAddress().getPort()),
                  "--dapr-internal-grpc-port",
                  Integer.toString(SidecarProcess.freePort()),
                  "--name-resolution-file",
                  work.resolve("names-pubsub-" + kind + ".db").toString())
              .awaitHealthy(Duration.ofSeconds(60));
    } catch (IllegalStateException e) {
      line(
          "skipped: the sidecar did not start with pubsub."
              + kind
              + ": "
              + firstLine(e.getMessage()));
      return;
    }
    cleanup.add(sidecar);
    ExecutorService clientThreads = Executors.newFixedThreadPool(4);
    cleanup.add(clientThreads::shutdownNow);
    HttpClient client = HttpClient.newBuilder().executor(clientThreads).build();
    String url = sidecar.httpBase() + "/v1.0/publish/pubsub/" + topic;
    HttpResponse<String> first =
        client.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":0}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (first.statusCode() != 204) {
      line("skipped: publish answered " + first.statusCode() + ": " + first.body());
      return;
    }
    // the first message is counted when it is delivered, like every other one
    LongAdder failed = new LongAdder();
    ExecutorService publishers = Executors.newFixedThreadPool(connections);
    AtomicInteger next = new AtomicInteger(1);
    long start = System.nanoTime();
    for (int w = 0; w < connections; w++) {
      publishers.submit(
          () -> {
            int n;
            while ((n = next.getAndIncrement()) < messages) {
              try {
                HttpResponse<Void> r =
                    client.send(
                        HttpRequest.newBuilder(URI.create(url))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + n + "}"))
                            .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() != 204) {
                  failed.increment();
                }
              } catch (Exception e) {
                failed.increment();
              }
            }
          });
    }
    publishers.shutdown();
    publishers.awaitTermination(10, TimeUnit.MINUTES);
    double publishSecs = (System.nanoTime() - start) / 1e9;
    boolean done = all.await(120, TimeUnit.SECONDS);
    double e2eSecs = (System.nanoTime() - start) / 1e9;
    line(
        String.format(
            Locale.ROOT,
            "%d messages published over HTTP by %d concurrent publishers to one sidecar that also delivers them to its app.",
            messages,
            connections));
    line("");
    line("| measure | value |");
    line("|---|---:|");
    line(String.format(Locale.ROOT, "| publish rate | %.0f msg/s |", (messages - 1) / publishSecs));
    line(
        String.format(
            Locale.ROOT,
            "| end-to-end throughput (first publish to last delivery) | %.0f msg/s |",
            done ? (messages - 1) / e2eSecs : 0));
    line(
        String.format(
            Locale.ROOT,
            "| delivered | %d of %d%s |",
            received.get(),
            messages,
            done ? "" : " (timed out)"));
    line(String.format(Locale.ROOT, "| failed publishes | %d |", failed.sum()));
    line(String.format(Locale.ROOT, "| sidecar RSS after | %s |", mib(rss(sidecar))));
  }

  private static String firstLine(String s) {
    return s == null
        ? ""
        : s.lines()
            .filter(l -> l.contains("cannot start") || l.contains("exited"))
            .findFirst()
            .orElse(s.lines().findFirst().orElse(""));
  }

  private static void waitForPort(int port) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("nothing listens on " + port);
  }

  private void line(String s) {
    report.append(s).append('\n');
  }

  private void close() {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      try {
        cleanup.get(i).close();
      } catch (Exception e) {
        // best effort
      }
    }
    if (work != null) {
      try {
        BenchSupport.deleteTree(work);
      } catch (IOException e) {
        // leave it
      }
    }
  }
}
