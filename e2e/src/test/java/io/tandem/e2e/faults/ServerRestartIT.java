package io.tandem.e2e.faults;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.testing.PrivatePostgres;
import io.tandem.components.testing.PrivateRedis;
import io.tandem.e2e.ResourceFiles;
import io.tandem.e2e.SidecarProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state servers go away under load and come back: the sidecar reconnects by itself, {@code
 * /v1.0/healthz} and the metadata API name the troubled component while it lasts, a request to the
 * cut-off store fails promptly with Dapr's error (never hangs), the other store keeps serving, and
 * the sidecar never crashes. Both servers are private to this test, so killing them disturbs no
 * other test.
 */
class ServerRestartIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** A request that takes longer than this counts as hung. */
  private static final Duration HUNG = Duration.ofSeconds(15);

  @Test
  void theSidecarRidesOutRedisAndPostgresRestartsUnderLoad(@TempDir Path dir) throws Exception {
    try (PrivateRedis redis = PrivateRedis.start(false);
        PrivatePostgres postgres = PrivatePostgres.create()) {
      Path resources = dir.resolve("resources");
      ResourceFiles.write(
          resources,
          "stores.yaml",
          ResourceFiles.component("redisstore", "state.redis", "redisHost", redis.address())
              + "---\n"
              + ResourceFiles.component(
                  "pgstore", "state.postgresql", "connectionString", postgres.url()));
      try (SidecarProcess sidecar = SidecarProcess.launch("restart-app", resources, Map.of())) {
        sidecar.awaitHealthy(Duration.ofSeconds(60));
        try (Load load = new Load(sidecar, List.of("redisstore", "pgstore"))) {
          load.awaitSuccesses("redisstore", 50);
          load.awaitSuccesses("pgstore", 50);

          // Redis dies: healthz and metadata say which component, Postgres keeps serving
          redis.kill();
          awaitTrouble(sidecar, "redisstore");
          long pgBefore = load.successes("pgstore");
          load.awaitSuccesses("pgstore", pgBefore + 20);
          long failedBefore = load.failures("redisstore");
          load.awaitFailures("redisstore", failedBefore + 5);
          redis.start();
          awaitHealthy(sidecar);
          long redisBefore = load.successes("redisstore");
          load.awaitSuccesses("redisstore", redisBefore + 50);

          // PostgreSQL dies the same way
          postgres.stop();
          awaitTrouble(sidecar, "pgstore");
          long redisDuring = load.successes("redisstore");
          load.awaitSuccesses("redisstore", redisDuring + 20);
          long pgFailedBefore = load.failures("pgstore");
          load.awaitFailures("pgstore", pgFailedBefore + 5);
          postgres.restart();
          awaitHealthy(sidecar);
          long pgAfter = load.successes("pgstore");
          load.awaitSuccesses("pgstore", pgAfter + 50);

          assertThat(sidecar.isAlive()).isTrue();
          assertThat(load.hung()).as("requests that hung longer than %s", HUNG).isZero();
          assertThat(load.unexpected()).as("failures that were not Dapr's state errors").isEmpty();
          String line =
              String.format(
                  "redis+postgres restarted under load: redisstore %d ok / %d failed,"
                      + " pgstore %d ok / %d failed, 0 hung%n",
                  load.successes("redisstore"),
                  load.failures("redisstore"),
                  load.successes("pgstore"),
                  load.failures("pgstore"));
          System.out.print(line);
          Files.writeString(
              Path.of("target", "faults-report.txt"),
              line,
              UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
        }
        assertThat(sidecar.output()).doesNotContain(postgres.password());
      }
    }
  }

  /** healthz turns 500 naming the component, and the metadata API shows its trouble. */
  private static void awaitTrouble(SidecarProcess sidecar, String component) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> h = get(sidecar.httpBase() + "/v1.0/healthz");
      last = h.statusCode() + " " + h.body();
      if (h.statusCode() == 500 && h.body().contains(component)) {
        String metadata = get(sidecar.httpBase() + "/v1.0/metadata").body();
        assertThat(metadata).contains("tandem.component." + component + ".trouble");
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("healthz never reported " + component + "; last answer: " + last);
  }

  private static void awaitHealthy(SidecarProcess sidecar) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> h = get(sidecar.httpBase() + "/v1.0/healthz");
      if (h.statusCode() == 204) {
        String metadata = get(sidecar.httpBase() + "/v1.0/metadata").body();
        assertThat(metadata).doesNotContain(".trouble");
        return;
      }
      last = h.statusCode() + " " + h.body();
      Thread.sleep(100);
    }
    throw new AssertionError("sidecar never recovered; last healthz: " + last);
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Two writers per store, saving and reading back keys as fast as the sidecar answers. */
  private static final class Load implements AutoCloseable {
    private final SidecarProcess sidecar;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, AtomicLong> ok = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> failed = new ConcurrentHashMap<>();
    private final AtomicLong hung = new AtomicLong();
    private final List<String> unexpected =
        java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();

    Load(SidecarProcess sidecar, List<String> stores) {
      this.sidecar = sidecar;
      for (String store : stores) {
        ok.put(store, new AtomicLong());
        failed.put(store, new AtomicLong());
        for (int t = 0; t < 2; t++) {
          int writer = t;
          Thread th = new Thread(() -> run(store, writer), "load-" + store + "-" + t);
          th.setDaemon(true);
          th.start();
          threads.add(th);
        }
      }
    }

    private void run(String store, int writer) {
      long n = 0;
      while (running.get()) {
        String key = "load-" + writer + "-" + (n++ % 100);
        String body = "[{\"key\":\"" + key + "\",\"value\":{\"n\":" + n + "}}]";
        long start = System.nanoTime();
        try {
          HttpResponse<String> r =
              HTTP.send(
                  HttpRequest.newBuilder(URI.create(sidecar.httpBase() + "/v1.0/state/" + store))
                      .timeout(HUNG)
                      .header("content-type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 204) {
            ok.get(store).incrementAndGet();
          } else {
            failed.get(store).incrementAndGet();
            if (r.statusCode() != 500 || !r.body().contains("ERR_STATE_SAVE")) {
              unexpected.add(r.statusCode() + " " + r.body());
            }
            Thread.sleep(20);
          }
        } catch (java.net.http.HttpTimeoutException e) {
          hung.incrementAndGet();
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          if (running.get()) {
            unexpected.add(e + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
          }
        }
      }
    }

    long successes(String store) {
      return ok.get(store).get();
    }

    long failures(String store) {
      return failed.get(store).get();
    }

    long hung() {
      return hung.get();
    }

    List<String> unexpected() {
      return List.copyOf(unexpected);
    }

    void awaitSuccesses(String store, long n) throws InterruptedException {
      await(() -> successes(store) >= n, store + " to reach " + n + " successful saves");
    }

    void awaitFailures(String store, long n) throws InterruptedException {
      await(() -> failures(store) >= n, store + " to fail " + n + " saves");
    }

    private void await(java.util.function.BooleanSupplier cond, String what)
        throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!cond.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "timed out waiting for "
                  + what
                  + "; ok="
                  + ok
                  + " failed="
                  + failed
                  + " hung="
                  + hung
                  + " unexpected="
                  + unexpected);
        }
        Thread.sleep(20);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(20_000);
      }
    }
  }
}
