package io.tandem.e2e.bench;

import static io.tandem.e2e.bench.BenchSupport.cpuSeconds;
import static io.tandem.e2e.bench.BenchSupport.deleteTree;
import static io.tandem.e2e.bench.BenchSupport.findRoot;
import static io.tandem.e2e.bench.BenchSupport.flag;
import static io.tandem.e2e.bench.BenchSupport.loadAverage;
import static io.tandem.e2e.bench.BenchSupport.mib;
import static io.tandem.e2e.bench.BenchSupport.rss;
import static io.tandem.e2e.bench.BenchSupport.setting;

import com.google.protobuf.ByteString;
import io.dapr.v1.CommonProtos.StateItem;
import io.dapr.v1.DaprGrpc;
import io.dapr.v1.DaprStateProtos.GetStateRequest;
import io.dapr.v1.DaprStateProtos.GetStateResponse;
import io.dapr.v1.DaprStateProtos.SaveStateRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.tandem.e2e.ResourceFiles;
import io.tandem.e2e.SidecarProcess;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * {@code make bench}: state save and get through a real sidecar process, over HTTP and gRPC, at a
 * fixed concurrency; the sidecar's resident memory idle and under that load; and its time from
 * process start to a healthy {@code /v1.0/healthz}.
 *
 * <p>A measurement, not a test: nothing here asserts a timing. The figures are printed and written
 * to {@code bench/results/state-<UTC timestamp>.md} and {@code bench/results/latest.md}.
 *
 * <p>Knobs (environment variable, or the same name as a system property): {@code BENCH_SHORT=1} for
 * a quick run; {@code BENCH_CONCURRENCY}, {@code BENCH_SECONDS}, {@code BENCH_WARMUP_SECONDS},
 * {@code BENCH_KEYS}, {@code BENCH_STARTS} override single settings. System properties {@code
 * tandem.root} (the repository root) and {@code tandem.sidecar.jar} are found by themselves when
 * run from the root or from {@code e2e/}.
 */
public final class StateBench {
  private static final String APP_ID = "bench";
  private static final int VALUE_BYTES = 100;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final long RSS_SAMPLE_MILLIS = 100;

  /** Warm-up ends when two consecutive slices differ by at most this fraction of throughput. */
  private static final double STEADY = 0.15;

  private final Settings settings;
  private final Path root;
  private final Path work;
  private final HttpClient http;
  private final List<String> notes = new ArrayList<>();
  private final long t0 = System.nanoTime();
  private String loadBefore;

  private StateBench(Settings settings, Path root, Path work) {
    this.settings = settings;
    this.root = root;
    this.work = work;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  public static void main(String[] args) throws Exception {
    Settings settings = Settings.fromEnvironment();
    Path root = findRoot();
    if (System.getProperty("tandem.sidecar.jar") == null) {
      System.setProperty(
          "tandem.sidecar.jar", root.resolve("sidecar/target/tandem-sidecar.jar").toString());
    }
    SidecarProcess.jar(); // fails early, naming the path, when the sidecar is not built
    Path work = Files.createTempDirectory("tandem-bench-");
    try {
      new StateBench(settings, root, work).run();
    } finally {
      deleteTree(work);
    }
  }

  private void progress(String format, Object... args) {
    System.out.printf(
        Locale.ROOT,
        "[%5.1f s] %s%n",
        (System.nanoTime() - t0) / 1e9,
        String.format(Locale.ROOT, format, args));
  }

  private void run() throws Exception {
    Instant began = Instant.now();
    loadBefore = loadAverage();
    progress(
        "tandem state bench (%s): %d workers, %s-%s s warm-up per transport, then %s s warm-up"
            + " + %s s measured per phase, %d keys, %d starts",
        settings.shortMode ? "short" : "full",
        settings.concurrency,
        secs(settings.warmup),
        secs(settings.warmupMax),
        secs(settings.phaseWarmup),
        secs(settings.measure),
        settings.keys,
        settings.starts);

    Path memoryResources =
        resources("memory", ResourceFiles.component("statestore", "state.in-memory"));
    Path sqliteResources =
        resources(
            "sqlite",
            ResourceFiles.component(
                "statestore",
                "state.sqlite",
                "connectionString",
                work.resolve("sqlite").resolve("bench.db").toString()));

    // The in-memory bench sidecar is started the same way: it is the last start-up sample.
    List<Duration> starts = measureStartups(memoryResources, settings.starts - 1);

    List<StoreRun> stores = new ArrayList<>();
    StoreRun memory = benchStore("state.in-memory", memoryResources, null);
    stores.add(memory);
    if (memory.readyAfter != null) {
      starts.add(memory.readyAfter);
    }
    stores.add(benchStore("state.sqlite", sqliteResources, null));

    // Redis and PostgreSQL, each also measured with a direct client of its own: the servers are
    // the ones `make bench` starts (scripts/with-test-servers.sh).
    String redis = System.getenv("TANDEM_TEST_REDIS_ADDR");
    String postgres = System.getenv("TANDEM_TEST_POSTGRES_URL");
    if (redis == null || postgres == null) {
      notes.add(
          "state.redis and state.postgresql skipped: TANDEM_TEST_REDIS_ADDR /"
              + " TANDEM_TEST_POSTGRES_URL not set (run through `make bench`)");
    } else {
      try (DirectClient direct = DirectClient.redis(redis, settings.concurrency)) {
        stores.add(
            benchStore(
                "state.redis",
                resources(
                    "redis",
                    ResourceFiles.component("statestore", "state.redis", "redisHost", redis)),
                direct));
      }
      try (DirectClient direct = DirectClient.postgres(postgres, settings.concurrency)) {
        stores.add(
            benchStore(
                "state.postgresql",
                resources(
                    "postgresql",
                    ResourceFiles.component(
                        "statestore",
                        "state.postgresql",
                        "connectionString",
                        postgres,
                        "tableName",
                        "bench_state")),
                direct));
      }
    }

    String report = report(began, starts, stores);
    Path dir = root.resolve("bench").resolve("results");
    Files.createDirectories(dir);
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(began);
    Path file = dir.resolve("state-" + stamp + ".md");
    Files.writeString(file, report);
    Files.writeString(dir.resolve("latest.md"), report);
    progress("done");
    System.out.println();
    System.out.println(report);
    System.out.println("written to " + file + " and " + dir.resolve("latest.md"));
  }

  // ---- start-up time

  /** Fresh processes with the in-memory store; the clock starts just before the fork. */
  private List<Duration> measureStartups(Path resources, int count) throws Exception {
    List<Duration> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      try (SidecarProcess p = SidecarProcess.launch(APP_ID + "-start" + i, resources, Map.of())) {
        Duration d = awaitHealthy(p, Duration.ofSeconds(60));
        out.add(d);
        progress("start %d: healthy after %d ms", i + 1, d.toMillis());
      }
    }
    return out;
  }

  /** Polls {@code /v1.0/healthz} every 5 ms: finer than {@link SidecarProcess#awaitHealthy}. */
  private Duration awaitHealthy(SidecarProcess p, Duration timeout) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(p.httpBase() + "/v1.0/healthz"))
            .timeout(Duration.ofSeconds(1))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new SidecarDied(p.output());
      }
      try {
        if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 204) {
          return Duration.ofNanos(System.nanoTime() - p.startNanos);
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("sidecar not healthy in " + timeout + ", log: " + p.log);
  }

  // ---- one store: its own sidecar, four phases

  private StoreRun benchStore(String type, Path resources, DirectClient direct) throws Exception {
    StoreRun run = new StoreRun(type);
    run.direct = direct == null ? null : direct.description;
    SidecarProcess p =
        SidecarProcess.launch(APP_ID + "-" + type.replace('.', '-'), resources, Map.of());
    try {
      try {
        run.readyAfter = awaitHealthy(p, Duration.ofSeconds(60));
      } catch (SidecarDied e) {
        run.skipped = startFailure(e.getMessage());
        progress("%s: skipped, the sidecar did not start: %s", type, run.skipped);
        return run;
      }
      run.rssAtReady = rss(p);
      Thread.sleep(settings.settle.toMillis());
      run.rssIdle = rss(p);
      progress(
          "%s: healthy after %d ms, RSS %s at ready, %s idle",
          type, run.readyAfter.toMillis(), mib(run.rssAtReady), mib(run.rssIdle));

      Workload w = new Workload(settings.keys);
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", p.grpcPort).usePlaintext().build();
      ScheduledExecutorService sampler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "bench-rss");
                t.setDaemon(true);
                return t;
              });
      AtomicLong phasePeak = new AtomicLong();
      AtomicLong storePeak = new AtomicLong();
      sampler.scheduleAtFixedRate(
          () -> {
            long rss = rss(p);
            phasePeak.accumulateAndGet(rss, Math::max);
            storePeak.accumulateAndGet(rss, Math::max);
          },
          0,
          RSS_SAMPLE_MILLIS,
          TimeUnit.MILLISECONDS);
      try {
        DaprGrpc.DaprBlockingStub grpc = DaprGrpc.newBlockingStub(channel);
        String base = p.httpBase() + "/v1.0/state/statestore";
        Op httpSave = k -> httpSave(base, w, k);
        Op httpGet = k -> httpGet(base, w, k);
        Op grpcSave = k -> grpcSave(grpc, w, k);
        Op grpcGet = k -> grpcGet(grpc, w, k);

        // Every key exists before the first read.
        Phase prefill = new Phase(type, "HTTP", "prefill");
        prefill(httpSave, prefill);
        if (prefill.errors.sum() > 0) {
          notes.add(
              type
                  + ": "
                  + prefill.errors.sum()
                  + " of "
                  + settings.keys
                  + " prefill saves failed: "
                  + prefill.errorSummary());
        }

        // JIT warm-up of both processes, per transport, before anything is measured: saves
        // and gets mixed, so the second phase of a transport is not warmer than the first.
        for (String transport : List.of("HTTP", "gRPC")) {
          Phase warm = new Phase(type, transport, "warm-up");
          boolean isHttp = transport.equals("HTTP");
          Op op = isHttp ? mixed(httpSave, httpGet) : mixed(grpcSave, grpcGet);
          String how = warmUp(op, warm);
          run.warmups.add(transport + " " + how);
          if (warm.errors.sum() > 0) {
            notes.add(
                type
                    + " "
                    + warm.name()
                    + ": failed calls: "
                    + warm.errors.sum()
                    + ": "
                    + warm.errorSummary());
          }
        }
        progress("%s: warmed up: %s", type, String.join(", ", run.warmups));

        List<Step> plan = new ArrayList<>();
        plan.add(new Step("HTTP", "save", httpSave));
        plan.add(new Step("HTTP", "get", httpGet));
        plan.add(new Step("gRPC", "save", grpcSave));
        plan.add(new Step("gRPC", "get", grpcGet));
        if (direct != null) {
          // the same keys and values, without the sidecar
          Op directSave = k -> direct.save(w.keys[k], Workload.value(w.keys[k]));
          Op directGet = k -> direct.get(w.keys[k]);
          prefill(directSave, new Phase(type, "direct", "prefill"));
          plan.add(new Step("direct", "save", directSave));
          plan.add(new Step("direct", "get", directGet));
        }
        for (Step step : plan) {
          Phase phase = new Phase(type, step.transport(), step.op());
          Op op = step.call();
          drive(op, settings.phaseWarmup, null);
          phasePeak.set(rss(p));
          double cpuBefore = cpuSeconds(p.pid());
          long clientCpuBefore = clientCpuNanos();
          drive(op, settings.measure, phase);
          phase.sidecarCpuSeconds = cpuSeconds(p.pid()) - cpuBefore;
          phase.clientCpuSeconds = (clientCpuNanos() - clientCpuBefore) / 1e9;
          phase.peakRss = Math.max(phasePeak.get(), rss(p));
          run.phases.add(phase);
          progress("%s", phase.line());
          if (!p.isAlive()) {
            notes.add(type + ": the sidecar exited during " + phase.name() + ", log: " + p.log);
            break;
          }
        }
      } finally {
        sampler.shutdownNow();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      run.rssPeak = storePeak.get();
      if (p.isAlive()) {
        Thread.sleep(settings.settle.toMillis());
        run.rssAfter = rss(p);
      }
      return run;
    } finally {
      p.close();
    }
  }

  /**
   * Runs {@code op} in slices until two consecutive slices agree on throughput within {@link
   * #STEADY} and at least the minimum warm-up has passed, or the maximum has; says which.
   */
  private String warmUp(Op op, Phase errors) throws InterruptedException {
    long start = System.nanoTime();
    double previous = -1;
    while (true) {
      Phase slice = new Phase("", "", "warm-up slice");
      drive(op, settings.warmupSlice, slice);
      errors.absorbErrors(slice);
      double rate = slice.latencies.length / slice.seconds;
      boolean steady = previous > 0 && Math.abs(rate - previous) <= STEADY * previous;
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      if (steady && elapsed.compareTo(settings.warmup) >= 0) {
        return secs(elapsed) + " s";
      }
      if (elapsed.compareTo(settings.warmupMax) >= 0) {
        return secs(elapsed) + " s (not steady)";
      }
      previous = rate;
    }
  }

  private static Op mixed(Op save, Op get) {
    return k -> (ThreadLocalRandom.current().nextBoolean() ? save : get).call(k);
  }

  /** Saves every key once, the keys shared out between the workers. */
  private void prefill(Op save, Phase phase) throws InterruptedException {
    int n = settings.concurrency;
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int first = i;
      Thread t =
          new Thread(
              () -> {
                for (int k = first; k < settings.keys; k += n) {
                  phase.call(save, k);
                }
              },
              "bench-prefill-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  /**
   * {@code settings.concurrency} workers calling {@code op} on random keys until the time is up.
   */
  private void drive(Op op, Duration duration, Phase phase) throws InterruptedException {
    int n = settings.concurrency;
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(n);
    long[][] perWorker = new long[n][];
    int[] counts = new int[n];
    AtomicLong deadline = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    Phase sink = phase != null ? phase : new Phase("", "", "warm-up");
    for (int i = 0; i < n; i++) {
      int id = i;
      Thread t =
          new Thread(
              () -> {
                long[] lat = new long[4096];
                int count = 0;
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                ready.countDown();
                try {
                  go.await();
                  long end = deadline.get();
                  while (System.nanoTime() < end) {
                    int key = rnd.nextInt(settings.keys);
                    long t0 = System.nanoTime();
                    if (sink.call(op, key)) {
                      if (count == lat.length) {
                        lat = Arrays.copyOf(lat, count * 2);
                      }
                      lat[count++] = System.nanoTime() - t0;
                    }
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  perWorker[id] = lat;
                  counts[id] = count;
                  done.countDown();
                }
              },
              "bench-worker-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    ready.await();
    long start = System.nanoTime();
    deadline.set(start + duration.toNanos());
    go.countDown();
    done.await();
    long elapsed = System.nanoTime() - start;
    for (Thread t : threads) {
      t.join();
    }
    if (phase != null) {
      int total = Arrays.stream(counts).sum();
      long[] all = new long[total];
      int at = 0;
      for (int i = 0; i < n; i++) {
        System.arraycopy(perWorker[i], 0, all, at, counts[i]);
        at += counts[i];
      }
      Arrays.sort(all);
      phase.latencies = all;
      phase.seconds = elapsed / 1e9;
    }
  }

  // ---- the four operations; true when the call did what it should

  private boolean httpSave(String base, Workload w, int k) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base))
                .timeout(CALL_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(w.saveBodies[k]))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 204) {
      throw new Failure("HTTP " + r.statusCode() + " " + snippet(r.body()));
    }
    return true;
  }

  private boolean httpGet(String base, Workload w, int k) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/" + w.keys[k]))
                .timeout(CALL_TIMEOUT)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new Failure(
          r.statusCode() == 204
              ? "HTTP 204 (key missing)"
              : "HTTP " + r.statusCode() + " " + snippet(r.body()));
    }
    if (r.body().length != VALUE_BYTES) {
      throw new Failure("HTTP 200 with a " + r.body().length + "-byte body");
    }
    return true;
  }

  /** Through the sidecar against the direct client: throughput ratio and added latency. */
  private static void overhead(StringBuilder sb, List<StoreRun> stores) {
    boolean any = stores.stream().anyMatch(s -> s.direct != null && s.skipped == null);
    if (!any) {
      return;
    }
    sb.append("\n## Through the sidecar against a direct client\n\n");
    sb.append(
        "The same saves and gets, same keys, values and concurrency, once through the sidecar and"
            + " once straight to the server with a client library of the app's own. Ratio ="
            + " sidecar ops/s / direct ops/s (1.00 = no overhead).\n\n");
    sb.append(
        "| store | op | direct ops/s | gRPC ops/s | ratio | HTTP ops/s | ratio | direct p50 ms |"
            + " gRPC p50 ms | added p50 ms |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (StoreRun s : stores) {
      if (s.direct == null || s.skipped != null) {
        continue;
      }
      for (String op : List.of("save", "get")) {
        Phase d = s.phase("direct", op);
        Phase g = s.phase("gRPC", op);
        Phase h = s.phase("HTTP", op);
        if (d == null || g == null || h == null || d.latencies.length == 0) {
          continue;
        }
        double dr = d.latencies.length / d.seconds;
        double gr = g.latencies.length / g.seconds;
        double hr = h.latencies.length / h.seconds;
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f |\n",
                s.type,
                op,
                dr,
                gr,
                gr / dr,
                hr,
                hr / dr,
                d.percentile(50),
                g.percentile(50),
                g.percentile(50) - d.percentile(50)));
      }
    }
    for (StoreRun s : stores) {
      if (s.direct != null) {
        sb.append("\nDirect client for ").append(s.type).append(": ").append(s.direct).append('.');
      }
    }
    sb.append('\n');
  }

  private static boolean grpcSave(DaprGrpc.DaprBlockingStub grpc, Workload w, int k) {
    grpc.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .saveState(w.saveRequests[k]);
    return true;
  }

  private static boolean grpcGet(DaprGrpc.DaprBlockingStub grpc, Workload w, int k) {
    GetStateResponse r =
        grpc.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .getState(w.getRequests[k]);
    if (r.getData().size() != VALUE_BYTES) {
      throw new Failure(
          r.getData().isEmpty()
              ? "gRPC OK, empty data (key missing)"
              : "gRPC OK with " + r.getData().size() + " bytes");
    }
    return true;
  }

  // ---- report

  private String report(Instant began, List<Duration> starts, List<StoreRun> stores) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Tandem state benchmark\n\n");
    sb.append("- date (UTC): ")
        .append(began.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        .append('\n');
    sb.append("- mode: ")
        .append(
            settings.shortMode
                ? "short (BENCH_SHORT=1): a smoke run; its warm-ups and phases are too short for"
                    + " steady-state figures, so compare only full runs"
                : "full")
        .append('\n');
    sb.append("- git commit: ").append(gitCommit()).append('\n');
    sb.append("- machine: ").append(machine()).append('\n');
    sb.append("- load average (1/5/15 min) at start: ")
        .append(loadBefore)
        .append(", at end: ")
        .append(loadAverage())
        .append(" (anything else running on the machine skews the figures)\n");
    sb.append("- JVM: ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.runtime.version"))
        .append(" (")
        .append(System.getProperty("java.vendor"))
        .append(
            "), for both the sidecar (`java -XX:+UseSerialGC -jar tandem-sidecar.jar`, default heap) and the client\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "- load: %d concurrent workers; per store and transport a warm-up of mixed saves and"
                + " gets in %s s slices until two consecutive slices agree within %d%% on"
                + " throughput (at least %s s, at most %s s), then per phase %s s warm-up and"
                + " %s s measured; random keys"
                + " out of %d (all saved before the first read), a %d-byte JSON value; HTTP/1.1 through java.net.http (one"
                + " pooled connection per worker), gRPC through one plaintext channel with"
                + " blocking stubs; client and sidecar share this machine's cores\n",
            settings.concurrency,
            secs(settings.warmupSlice),
            Math.round(STEADY * 100),
            secs(settings.warmup),
            secs(settings.warmupMax),
            secs(settings.phaseWarmup),
            secs(settings.measure),
            settings.keys,
            VALUE_BYTES));

    sb.append("\n## Throughput and latency\n\n");
    sb.append(
        "| store | transport | op | ops | ops/s | p50 ms | p90 ms | p99 ms | max ms | errors |"
            + " sidecar CPU | client CPU |\n");
    sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (StoreRun s : stores) {
      if (s.skipped != null) {
        sb.append("| ").append(s.type).append(" | skipped | | | | | | | | | | |\n");
        continue;
      }
      for (Phase ph : s.phases) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %d | %.0f%% | %.0f%% |\n",
                s.type,
                ph.transport,
                ph.op,
                ph.latencies.length,
                ph.latencies.length / ph.seconds,
                ph.percentile(50),
                ph.percentile(90),
                ph.percentile(99),
                ph.percentile(100),
                ph.errors.sum(),
                100 * ph.sidecarCpuSeconds / ph.seconds,
                100 * ph.clientCpuSeconds / ph.seconds));
      }
    }
    sb.append("\nCPU is a percentage of one core (")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores: ")
        .append(100 * Runtime.getRuntime().availableProcessors())
        .append("% is everything); client CPU is the whole benchmark JVM.\n");

    for (StoreRun s : stores) {
      if (!s.warmups.isEmpty()) {
        sb.append("\nWarm-up for ")
            .append(s.type)
            .append(": ")
            .append(String.join(", ", s.warmups))
            .append('.');
      }
    }
    sb.append('\n');

    overhead(sb, stores);

    sb.append("\n## Sidecar memory (VmRSS)\n\n");
    sb.append("| store | at ready | idle (")
        .append(settings.settle.toMillis())
        .append(" ms after ready) | peak under load | after load (")
        .append(settings.settle.toMillis())
        .append(" ms idle) | peak per phase |\n");
    sb.append("|---|---:|---:|---:|---:|---|\n");
    for (StoreRun s : stores) {
      if (s.skipped != null) {
        sb.append("| ").append(s.type).append(" | skipped | | | | |\n");
        continue;
      }
      String perPhase =
          s.phases.stream()
              .map(ph -> ph.transport + " " + ph.op + " " + mib(ph.peakRss))
              .collect(Collectors.joining(", "));
      sb.append("| ")
          .append(s.type)
          .append(" | ")
          .append(mib(s.rssAtReady))
          .append(" | ")
          .append(mib(s.rssIdle))
          .append(" | ")
          .append(mib(s.rssPeak))
          .append(" | ")
          .append(s.rssAfter > 0 ? mib(s.rssAfter) : "n/a")
          .append(" | ")
          .append(perPhase)
          .append(" |\n");
    }
    sb.append("\nPeak is the highest of samples taken every ")
        .append(RSS_SAMPLE_MILLIS)
        .append(
            " ms from the first prefill save to the end of the last phase, warm-ups included.\n");

    sb.append("\n## Start-up: process start to `/v1.0/healthz` 204\n\n");
    long[] ms = starts.stream().mapToLong(Duration::toMillis).sorted().toArray();
    sb.append(
        String.format(
            Locale.ROOT,
            "median %d ms over %d starts (min %d, max %d; each: %s), state.in-memory store, polled"
                + " every 5 ms; includes JVM start-up; the last start is the in-memory bench"
                + " sidecar's\n",
            ms[ms.length / 2],
            ms.length,
            ms[0],
            ms[ms.length - 1],
            starts.stream().map(d -> d.toMillis() + " ms").collect(Collectors.joining(", "))));
    for (StoreRun s : stores) {
      if (s.readyAfter != null && !s.type.equals("state.in-memory")) {
        sb.append("\nThe ")
            .append(s.type)
            .append(" bench sidecar was healthy after ")
            .append(s.readyAfter.toMillis())
            .append(" ms.");
      }
    }
    sb.append('\n');

    List<String> all = new ArrayList<>();
    for (StoreRun s : stores) {
      if (s.skipped != null) {
        all.add(s.type + " skipped: the sidecar did not load it: " + s.skipped);
      }
      for (Phase ph : s.phases) {
        if (ph.errors.sum() > 0) {
          all.add(
              s.type
                  + " "
                  + ph.name()
                  + ": failed calls: "
                  + ph.errors.sum()
                  + ": "
                  + ph.errorSummary());
        }
      }
    }
    all.addAll(notes);
    if (!all.isEmpty()) {
      sb.append("\n## Notes\n\n");
      all.forEach(n -> sb.append("- ").append(n).append('\n'));
    }
    return sb.toString();
  }

  private String gitCommit() {
    String head = exec("git", "rev-parse", "HEAD");
    if (head == null || head.isBlank()) {
      return "unknown";
    }
    String status = exec("git", "status", "--porcelain");
    long changed = status == null ? 0 : status.lines().filter(l -> !l.isBlank()).count();
    return head.strip()
        + (changed > 0 ? " + uncommitted changes (" + changed + " paths)" : " (clean)");
  }

  private String machine() {
    String model = "unknown CPU";
    long memKiB = -1;
    try {
      model =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .map(l -> l.substring(l.indexOf(':') + 1).strip())
              .findFirst()
              .orElse(model);
      memKiB =
          Files.readAllLines(Path.of("/proc/meminfo")).stream()
              .filter(l -> l.startsWith("MemTotal:"))
              .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
              .findFirst()
              .orElse(-1L);
    } catch (IOException | RuntimeException e) {
      // not Linux: keep the defaults
    }
    return String.format(
        Locale.ROOT,
        "%d cores (%s), %s RAM, %s %s %s",
        Runtime.getRuntime().availableProcessors(),
        model,
        memKiB > 0 ? String.format(Locale.ROOT, "%.1f GiB", memKiB / 1048576.0) : "unknown",
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("os.arch"));
  }

  private String exec(String... cmd) {
    try {
      Process p =
          new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  // ---- helpers

  private Path resources(String name, String yaml) throws IOException {
    Path dir = work.resolve(name);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("components.yaml"), yaml);
    return dir;
  }

  /** The line of the sidecar's log that says why it stopped, else its last line. */
  private static String startFailure(String log) {
    List<String> lines = log.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
    return lines.stream()
        .filter(l -> l.contains("cannot start"))
        .findFirst()
        .or(
            () ->
                lines.isEmpty()
                    ? java.util.Optional.empty()
                    : java.util.Optional.of(lines.get(lines.size() - 1)))
        .map(l -> l.contains("cannot start: ") ? l.substring(l.indexOf("cannot start: ") + 14) : l)
        .map(String::strip)
        .orElse("no output");
  }

  private static long clientCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private static String secs(Duration d) {
    return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
  }

  private static String snippet(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8).strip();
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  private record Step(String transport, String op, Op call) {}

  @FunctionalInterface
  private interface Op {
    boolean call(int key) throws Exception;
  }

  /** A call that reached the sidecar and came back wrong. */
  private static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  private static final class SidecarDied extends Exception {
    SidecarDied(String log) {
      super(log);
    }
  }

  /** Keys, bodies and requests built once, so the workers only send. */
  private static final class Workload {
    final String[] keys;
    final byte[][] saveBodies;
    final SaveStateRequest[] saveRequests;
    final GetStateRequest[] getRequests;

    Workload(int n) {
      keys = new String[n];
      saveBodies = new byte[n][];
      saveRequests = new SaveStateRequest[n];
      getRequests = new GetStateRequest[n];
      for (int i = 0; i < n; i++) {
        String key = String.format(Locale.ROOT, "key-%06d", i);
        String value = value(key);
        keys[i] = key;
        saveBodies[i] =
            ("[{\"key\":\"" + key + "\",\"value\":" + value + "}]")
                .getBytes(StandardCharsets.UTF_8);
        saveRequests[i] =
            SaveStateRequest.newBuilder()
                .setStoreName("statestore")
                .addStates(
                    StateItem.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)))
                .build();
        getRequests[i] =
            GetStateRequest.newBuilder().setStoreName("statestore").setKey(key).build();
      }
    }

    /** A JSON document of exactly {@link #VALUE_BYTES} bytes. */
    static String value(String key) {
      String head = "{\"id\":\"" + key + "\",\"owner\":\"bench\",\"count\":42,\"pad\":\"";
      String tail = "\"}";
      return head + "x".repeat(VALUE_BYTES - head.length() - tail.length()) + tail;
    }
  }

  /** The measured part of one operation on one transport. */
  private static final class Phase {
    final String store;
    final String transport;
    final String op;
    final LongAdder errors = new LongAdder();
    final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    long[] latencies = new long[0];
    double seconds;
    double sidecarCpuSeconds;
    double clientCpuSeconds;
    long peakRss;

    Phase(String store, String transport, String op) {
      this.store = store;
      this.transport = transport;
      this.op = op;
    }

    String name() {
      return transport + " " + op;
    }

    boolean call(Op op, int key) {
      try {
        return op.call(key);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (Failure e) {
        fail(e.getMessage());
      } catch (StatusRuntimeException e) {
        fail("gRPC " + e.getStatus().getCode() + " " + e.getStatus().getDescription());
      } catch (Exception e) {
        fail(e.getClass().getSimpleName() + " " + e.getMessage());
      }
      return false;
    }

    void absorbErrors(Phase other) {
      errors.add(other.errors.sum());
      other.errorKinds.forEach(
          (k, n) -> errorKinds.computeIfAbsent(k, x -> new LongAdder()).add(n.sum()));
    }

    private void fail(String kind) {
      errors.increment();
      errorKinds
          .computeIfAbsent(
              kind.length() > 200 ? kind.substring(0, 200) : kind, k -> new LongAdder())
          .increment();
    }

    String errorSummary() {
      return errorKinds.entrySet().stream()
          .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
          .limit(3)
          .map(e -> e.getValue().sum() + "x " + e.getKey())
          .collect(Collectors.joining("; "));
    }

    /** Nearest-rank percentile, in milliseconds. */
    double percentile(double p) {
      if (latencies.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(p / 100 * latencies.length);
      return latencies[Math.max(0, Math.min(latencies.length - 1, rank - 1))] / 1e6;
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "%s %-4s %-4s: %7.0f ops/s  p50 %6.2f  p90 %6.2f  p99 %6.2f ms  errors %d  peak RSS %s",
          store,
          transport,
          op,
          latencies.length / seconds,
          percentile(50),
          percentile(90),
          percentile(99),
          errors.sum(),
          mib(peakRss));
    }
  }

  private static final class StoreRun {
    final String type;
    String direct;
    final List<Phase> phases = new ArrayList<>();
    final List<String> warmups = new ArrayList<>();
    String skipped;
    Duration readyAfter;
    long rssAtReady;
    long rssIdle;
    long rssPeak;
    long rssAfter;

    StoreRun(String type) {
      this.type = type;
    }

    Phase phase(String transport, String op) {
      return phases.stream()
          .filter(p -> p.transport.equals(transport) && p.op.equals(op))
          .findFirst()
          .orElse(null);
    }
  }

  private record Settings(
      boolean shortMode,
      int concurrency,
      Duration warmup,
      Duration warmupMax,
      Duration warmupSlice,
      Duration phaseWarmup,
      Duration measure,
      int keys,
      int starts,
      Duration settle) {

    Settings {
      if (starts < 1) {
        throw new IllegalArgumentException("BENCH_STARTS must be at least 1");
      }
    }

    static Settings fromEnvironment() {
      boolean quick = flag("BENCH_SHORT");
      Duration warmup = seconds("BENCH_WARMUP_SECONDS", quick ? 1 : 4);
      Duration warmupMax = Duration.ofSeconds(quick ? 2 : 15);
      return new Settings(
          quick,
          number("BENCH_CONCURRENCY", 16),
          warmup,
          warmupMax.compareTo(warmup) > 0 ? warmupMax : warmup,
          Duration.ofMillis(quick ? 500 : 1000),
          Duration.ofMillis(quick ? 250 : 1000),
          seconds("BENCH_SECONDS", quick ? 1 : 10),
          number("BENCH_KEYS", 1000),
          number("BENCH_STARTS", quick ? 3 : 5),
          Duration.ofMillis(quick ? 250 : 2000));
    }

    private static Duration seconds(String name, double fallback) {
      String v = setting(name);
      double s = v == null || v.isBlank() ? fallback : Double.parseDouble(v.strip());
      if (s <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + v);
      }
      return Duration.ofMillis(Math.round(s * 1000));
    }

    private static int number(String name, int fallback) {
      String v = setting(name);
      if (v == null || v.isBlank()) {
        return fallback;
      }
      int n = Integer.parseInt(v.strip());
      if (n < 1) {
        throw new IllegalArgumentException(name + " must be at least 1, got " + v);
      }
      return n;
    }
  }
}
