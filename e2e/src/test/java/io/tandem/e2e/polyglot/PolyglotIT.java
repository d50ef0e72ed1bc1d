package io.tandem.e2e.polyglot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dapr.client.DaprClient;
import io.dapr.client.DaprClientBuilder;
import io.dapr.client.domain.BulkPublishResponse;
import io.dapr.client.domain.CloudEvent;
import io.dapr.client.domain.HttpExtension;
import io.dapr.client.domain.PublishEventRequest;
import io.dapr.client.domain.RuleMetadata;
import io.dapr.client.domain.SubscriptionMetadata;
import io.dapr.config.Properties;
import io.tandem.e2e.SidecarProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two apps in two languages talk through Tandem: real processes, official SDKs.
 *
 * <pre>
 *   py-svc  e2e/python/app.py      Python, dapr + dapr-ext-grpc, a gRPC app (--app-protocol grpc)
 *   js-app  e2e/js/polyglot/js-app.js  JavaScript, @dapr/dapr DaprServer, an HTTP app
 *   this test                      Java, io.dapr:dapr-sdk DaprClient on either sidecar
 * </pre>
 *
 * Each app runs behind its own sidecar; both sidecars share one {@code --name-resolution-file}, so
 * service invocation goes sidecar to sidecar. {@code pubsub.in-memory} lives inside one sidecar
 * process, so publishers publish through the subscriber's sidecar (as they would to one shared
 * broker). The apps report what they receive to a {@link Recorder} this test runs, and the
 * assertions are on those reports. The apps' client calls are triggered through a plain HTTP
 * control port each app opens.
 *
 * <p>On failure the recorder's content and every process's log are printed; the logs stay in {@code
 * e2e/target/sidecar-logs} and {@code e2e/target/polyglot-logs}.
 */
class PolyglotIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** How long a negative check ("not redelivered", "not delivered") watches after the fact. */
  static final Duration QUIET = Duration.ofSeconds(2);

  static final Duration EVENTUALLY = Duration.ofSeconds(20);

  @TempDir static Path dir;
  static Recorder recorder;
  static SidecarProcess pySidecar;
  static SidecarProcess jsSidecar;
  static AppProcess pyApp;
  static AppProcess jsApp;
  static DaprClient javaOnPy;
  static DaprClient javaOnJs;
  static volatile boolean anyFailure;

  @RegisterExtension
  static final TestWatcher PRINT_LOGS_ON_FAILURE =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          anyFailure = true;
          System.err.print(
              "\n===== polyglot scenario: "
                  + context.getDisplayName()
                  + " failed; what the apps reported so far (process logs follow after the last"
                  + " test) =====\n"
                  + (recorder == null ? "" : recorder.dump()));
        }
      };

  // -------------------------------------------------------------------------------------------
  // Setup

  /** Kills what is still running if the JVM ends before {@link #stopEverything} could run. */
  static final Thread KILL_ON_EXIT =
      new Thread(
          () -> {
            for (AutoCloseable c : new AutoCloseable[] {pyApp, jsApp, pySidecar, jsSidecar}) {
              try {
                if (c != null) {
                  c.close();
                }
              } catch (Exception e) {
                // best effort while the JVM goes down
              }
            }
          },
          "polyglot-kill-on-exit");

  @BeforeAll
  static void startEverything() throws Exception {
    Runtime.getRuntime().addShutdownHook(KILL_ON_EXIT);
    try {
      Path e2e = e2eDir();
      Path venvPython = preparePython(e2e);
      prepareNode(e2e);

      recorder = new Recorder();
      Path resources = Files.createDirectories(dir.resolve("resources"));
      Files.writeString(resources.resolve("components.yaml"), resourcesYaml(recorder.baseUrl()));
      Path nameResolution = dir.resolve("name-resolution.db");

      int pyAppPort = SidecarProcess.freePort();
      int jsAppPort = SidecarProcess.freePort();
      pySidecar =
          SidecarProcess.launch(
              "py-svc",
              resources,
              Map.of(),
              "--app-port",
              Integer.toString(pyAppPort),
              "--app-protocol",
              "grpc",
              "--dapr-internal-grpc-port",
              Integer.toString(SidecarProcess.freePort()),
              "--name-resolution-file",
              nameResolution.toString());
      jsSidecar =
          SidecarProcess.launch(
              "js-app",
              resources,
              Map.of(),
              "--app-port",
              Integer.toString(jsAppPort),
              "--app-protocol",
              "http",
              "--dapr-internal-grpc-port",
              Integer.toString(SidecarProcess.freePort()),
              "--name-resolution-file",
              nameResolution.toString());

      Map<String, String> pyEnv = new LinkedHashMap<>();
      pyEnv.put("APP_PORT", Integer.toString(pyAppPort));
      int pyControl = SidecarProcess.freePort();
      pyEnv.put("CONTROL_PORT", Integer.toString(pyControl));
      pyEnv.put("RECORDER_URL", recorder.recordUrl());
      pyEnv.put("DAPR_HTTP_PORT", Integer.toString(pySidecar.httpPort));
      pyEnv.put("DAPR_GRPC_PORT", Integer.toString(pySidecar.grpcPort));
      pyEnv.put("DAPR_RUNTIME_HOST", "127.0.0.1");
      pyEnv.put("PYTHONUNBUFFERED", "1");
      pyApp =
          AppProcess.start(
              "py-svc",
              List.of(venvPython.toString(), "-u", "app.py"),
              e2e.resolve("python"),
              pyEnv,
              pyControl);

      Map<String, String> jsEnv = new LinkedHashMap<>();
      jsEnv.put("APP_PORT", Integer.toString(jsAppPort));
      int jsControl = SidecarProcess.freePort();
      jsEnv.put("CONTROL_PORT", Integer.toString(jsControl));
      jsEnv.put("RECORDER_URL", recorder.recordUrl());
      jsEnv.put("DAPR_HTTP_PORT", Integer.toString(jsSidecar.httpPort));
      jsEnv.put("DAPR_GRPC_PORT", Integer.toString(jsSidecar.grpcPort));
      jsEnv.put("PEER_DAPR_HTTP_PORT", Integer.toString(pySidecar.httpPort));
      jsEnv.put("PEER_DAPR_GRPC_PORT", Integer.toString(pySidecar.grpcPort));
      jsApp =
          AppProcess.start(
              "js-app", List.of("node", "polyglot/js-app.js"), e2e.resolve("js"), jsEnv, jsControl);

      pySidecar.awaitHealthy(Duration.ofSeconds(60));
      jsSidecar.awaitHealthy(Duration.ofSeconds(60));
      pyApp.awaitReady(Duration.ofSeconds(60));
      jsApp.awaitReady(Duration.ofSeconds(60));

      javaOnPy = javaClient(pySidecar);
      javaOnJs = javaClient(jsSidecar);
      javaOnPy.waitForSidecar(10_000).block();
      javaOnJs.waitForSidecar(10_000).block();
    } catch (Throwable t) {
      printEverything("start-up failed: " + t);
      stopEverything();
      throw t;
    }
  }

  @AfterAll
  static void stopEverything() throws Exception {
    if (anyFailure) {
      printEverything("some tests failed");
    }
    List<Exception> problems = new ArrayList<>();
    for (AutoCloseable c :
        new AutoCloseable[] {javaOnPy, javaOnJs, pyApp, jsApp, pySidecar, jsSidecar, recorder}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          problems.add(e);
        }
      }
    }
    javaOnPy = javaOnJs = null;
    pyApp = jsApp = null;
    try {
      Runtime.getRuntime().removeShutdownHook(KILL_ON_EXIT);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // already shutting down, or never registered
    }
    pySidecar = jsSidecar = null;
    recorder = null;
    if (!problems.isEmpty()) {
      throw problems.get(0);
    }
  }

  static String resourcesYaml(String recorderUrl) {
    return """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
          metadata: []
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: tick
        spec:
          type: bindings.cron
          version: v1
          # a sidecar without the component still starts: only the cron scenario fails then
          ignoreErrors: true
          metadata:
          - name: schedule
            value: "@every 1s"
        scopes:
        - py-svc
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: recorder-http
        spec:
          type: bindings.http
          version: v1
          ignoreErrors: true
          metadata:
          - name: url
            value: "%s/binding-target"
        scopes:
        - py-svc
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Subscription
        metadata:
          name: js-gone
        spec:
          pubsubname: pubsub
          topic: js-gone
          route: /no-such-handler
        scopes:
        - js-app
        """
        .formatted(recorderUrl);
  }

  /** The e2e module's directory (Maven runs the tests there). */
  static Path e2eDir() {
    for (Path p : List.of(Path.of(""), Path.of("e2e"))) {
      Path abs = p.toAbsolutePath().normalize();
      if (Files.isRegularFile(abs.resolve("python").resolve("app.py"))
          && Files.isRegularFile(abs.resolve("js").resolve("polyglot").resolve("js-app.js"))) {
        return abs;
      }
    }
    throw new IllegalStateException(
        "cannot find e2e/python/app.py from " + Path.of("").toAbsolutePath());
  }

  /** Runs e2e/python/setup.sh (a no-op when the venv is current) and returns the venv's python. */
  static Path preparePython(Path e2e) throws IOException, InterruptedException {
    Path setup = e2e.resolve("python").resolve("setup.sh");
    run(List.of("bash", setup.toString()), e2e.resolve("python"), Duration.ofMinutes(5));
    Path python = e2e.resolve("python").resolve(".venv").resolve("bin").resolve("python");
    if (!Files.isExecutable(python)) {
      throw new IllegalStateException(setup + " ran but " + python + " is missing");
    }
    return python;
  }

  /** Installs e2e/js's locked dependencies when they are not there yet. */
  static void prepareNode(Path e2e) throws IOException, InterruptedException {
    Path js = e2e.resolve("js");
    if (!Files.isDirectory(js.resolve("node_modules").resolve("@dapr").resolve("dapr"))) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund"), js, Duration.ofMinutes(5));
    }
  }

  static void run(List<String> command, Path workDir, Duration timeout)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("polyglot-prepare", ".log");
    Process p =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(command + " did not finish in " + timeout);
    }
    String output = Files.readString(out);
    Files.deleteIfExists(out);
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          command + " failed with exit code " + p.exitValue() + ":\n" + output);
    }
  }

  static DaprClient javaClient(SidecarProcess sidecar) {
    return new DaprClientBuilder()
        .withPropertyOverride(Properties.SIDECAR_IP, "127.0.0.1")
        .withPropertyOverride(Properties.HTTP_PORT, Integer.toString(sidecar.httpPort))
        .withPropertyOverride(Properties.GRPC_PORT, Integer.toString(sidecar.grpcPort))
        .build();
  }

  static void printEverything(String reason) {
    StringBuilder sb = new StringBuilder();
    sb.append("\n===== polyglot scenario: ").append(reason).append(" =====\n");
    if (recorder != null) {
      sb.append("--- what the apps reported (recorder) ---\n").append(recorder.dump());
    }
    for (AppProcess app : new AppProcess[] {pyApp, jsApp}) {
      if (app != null) {
        sb.append("--- ").append(app.name).append(" app log (").append(app.log).append(") ---\n");
        sb.append(tail(app.output(), 300));
      }
    }
    for (SidecarProcess s : new SidecarProcess[] {pySidecar, jsSidecar}) {
      if (s != null) {
        sb.append("--- sidecar ").append(s.appId).append(" log (").append(s.log).append(") ---\n");
        try {
          sb.append(tail(s.output(), 300));
        } catch (IOException e) {
          sb.append("(cannot read: ").append(e).append(")\n");
        }
      }
    }
    sb.append("===== end of polyglot scenario output =====\n");
    System.err.print(sb);
  }

  static String tail(String text, int lines) {
    String[] all = text.split("\n", -1);
    if (all.length <= lines) {
      return text.endsWith("\n") ? text : text + "\n";
    }
    return "(... "
        + (all.length - lines)
        + " earlier lines in the file)\n"
        + String.join("\n", List.of(all).subList(all.length - lines, all.length))
        + "\n";
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  /** Asks an app to act as a Dapr client; returns {@code result}, failing with the app's error. */
  static JsonNode run(AppProcess app, String action, Map<String, ?> request) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(app.controlUrl() + action))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(r.statusCode())
        .as("%s control %s answered: %s", app.name, action, r.body())
        .isEqualTo(200);
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("ok").asBoolean())
        .as(
            "%s's SDK call %s %s failed: %s",
            app.name, action, JSON.writeValueAsString(request), answer.toPrettyString())
        .isTrue();
    return answer.path("result");
  }

  static String newId(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Waits for at least {@code n} records matching {@code p}, and returns them all. */
  static List<JsonNode> awaitRecords(String what, int n, Predicate<JsonNode> p) {
    try {
      await(what)
          .atMost(EVENTUALLY)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> recorder.matching(p).size() >= n);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "expected "
              + n
              + " report(s) of "
              + what
              + " within "
              + EVENTUALLY
              + ", got "
              + recorder.matching(p).size()
              + "; everything reported:\n"
              + recorder.dump(),
          e);
    }
    return recorder.matching(p);
  }

  /** Waits for a condition on the reports, failing with everything reported. */
  static void awaitCondition(String what, java.util.concurrent.Callable<Boolean> condition) {
    try {
      await(what).atMost(EVENTUALLY).pollInterval(Duration.ofMillis(100)).until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "expected "
              + what
              + " within "
              + EVENTUALLY
              + "; everything reported:\n"
              + recorder.dump(),
          e);
    }
  }

  /** Lets {@link #QUIET} pass, then returns what matches (for "nothing more arrived" checks). */
  static List<JsonNode> afterQuietPeriod(Predicate<JsonNode> p) throws InterruptedException {
    Thread.sleep(QUIET.toMillis());
    return recorder.matching(p);
  }

  static Predicate<JsonNode> py(String kind) {
    return r -> "py-svc".equals(r.path("app").asText()) && kind.equals(r.path("kind").asText());
  }

  static Predicate<JsonNode> js(String kind) {
    return r -> "js-app".equals(r.path("app").asText()) && kind.equals(r.path("kind").asText());
  }

  /** A Python subscriber's report whose event data carries {@code id}. */
  static Predicate<JsonNode> pyEventWithDataId(String id) {
    return py("event").and(r -> id.equals(r.path("data").path("id").asText()));
  }

  /** A request the JS app received whose CloudEvent body's data carries {@code id}. */
  static Predicate<JsonNode> jsRequestWithDataId(String id) {
    return js("http").and(r -> id.equals(r.path("body").path("data").path("id").asText()));
  }

  /**
   * Publishes probes to a plain (rule-less) subscription of the Python app until one arrives: then
   * its sidecar has read the app's subscriptions (in-memory pub/sub keeps nothing for a topic
   * nobody subscribes yet).
   */
  static void awaitPySubscribed() {
    probeOnce(
        "py-svc's plain subscription to py-warmup",
        javaOnPy,
        "py-warmup",
        Map.of(),
        py("event").and(r -> "warmup".equals(r.path("route").asText())));
  }

  /** The same through the routed topic orders (a probe matching its gadget rule). */
  static void awaitPyRoutedSubscribed() {
    probeOnce(
        "py-svc's routed subscription to orders",
        javaOnPy,
        "orders",
        Map.of("kind", "gadget"),
        py("event").and(r -> r.path("data").path("id").asText().startsWith("probe-")));
  }

  static void awaitJsSubscribed() {
    probeOnce(
        "js-app's subscription to js-warmup",
        javaOnJs,
        "js-warmup",
        Map.of(),
        js("http").and(r -> r.path("path").asText().contains("js-warmup")));
  }

  /** Per probe: "ok", or the first failure, which later tests report at once. */
  static final Map<String, String> PROBES = new java.util.concurrent.ConcurrentHashMap<>();

  static void probeOnce(
      String what,
      DaprClient client,
      String topic,
      Map<String, String> data,
      Predicate<JsonNode> seen) {
    String earlier = PROBES.get(what);
    if ("ok".equals(earlier)) {
      return;
    }
    if (earlier != null) {
      throw new AssertionError("(as found by an earlier test) " + earlier);
    }
    try {
      awaitProbe(what, client, topic, data, seen);
      PROBES.put(what, "ok");
    } catch (AssertionError e) {
      PROBES.put(what, e.getMessage());
      throw e;
    }
  }

  static void awaitProbe(
      String what,
      DaprClient client,
      String topic,
      Map<String, String> data,
      Predicate<JsonNode> seen) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Throwable lastPublishError = null;
    while (System.nanoTime() < deadline) {
      try {
        Map<String, String> probe = new LinkedHashMap<>(data);
        probe.put("id", newId("probe"));
        client.publishEvent("pubsub", topic, probe).block();
      } catch (RuntimeException e) {
        lastPublishError = e;
      }
      for (int i = 0; i < 5; i++) {
        if (!recorder.matching(seen).isEmpty()) {
          return;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
    throw new AssertionError(
        "no probe event published to "
            + topic
            + " reached "
            + what
            + " within 30 s"
            + (lastPublishError == null ? "" : "; last publish error: " + lastPublishError),
        lastPublishError);
  }

  // -------------------------------------------------------------------------------------------
  // Service invocation

  /**
   * JS DaprClient -> js-app's sidecar (HTTP or gRPC API) -> py-svc's sidecar -> Python gRPC app.
   */
  @ParameterizedTest(name = "JS client over {0}")
  @ValueSource(strings = {"http", "grpc"})
  void jsClientInvokesThePythonServiceThroughItsSidecar(String protocol) throws Exception {
    String id = newId("js-" + protocol);
    JsonNode result =
        run(
            jsApp,
            "/run/invoke",
            Map.of(
                "appId",
                "py-svc",
                "method",
                "echo",
                "protocol",
                protocol,
                "data",
                Map.of("id", id, "text", "hello from JavaScript")));

    assertThat(result.path("from").asText()).as("answer: %s", result).isEqualTo("py-svc");
    assertThat(result.path("echo").path("id").asText()).as("answer: %s", result).isEqualTo(id);

    JsonNode seen =
        awaitRecords(
                "py-svc's echo called with " + id,
                1,
                py("invoke").and(r -> id.equals(r.path("data").path("id").asText())))
            .get(0);
    assertThat(seen.path("method").asText()).isEqualTo("echo");
    assertThat(seen.path("data").path("text").asText()).isEqualTo("hello from JavaScript");
    assertThat(seen.path("contentType").asText()).startsWith("application/json");
  }

  /**
   * Python DaprClient -> py-svc's sidecar (HTTP /v1.0/invoke, or gRPC InvokeService with an HTTP
   * verb) -> js-app's sidecar -> JS HTTP app's POST /greet.
   */
  @ParameterizedTest(name = "Python client over {0}")
  @ValueSource(strings = {"http", "grpc"})
  void pythonClientInvokesTheJsHttpAppThroughItsSidecar(String protocol) throws Exception {
    String name = newId("py-" + protocol);
    JsonNode result =
        run(
            pyApp,
            "/run/invoke",
            Map.of(
                "appId",
                "js-app",
                "method",
                "greet",
                "protocol",
                protocol,
                "data",
                Map.of("name", name)));

    JsonNode data = result.path("data");
    assertThat(data.path("from").asText()).as("answer: %s", result).isEqualTo("js-app");
    assertThat(data.path("greeting").asText()).as("answer: %s", result).isEqualTo("hello " + name);

    JsonNode seen =
        awaitRecords(
                "js-app's POST /greet with " + name,
                1,
                js("http")
                    .and(r -> "/greet".equals(r.path("path").asText()))
                    .and(r -> name.equals(r.path("body").path("name").asText())))
            .get(0);
    assertThat(seen.path("method").asText()).isEqualTo("POST");
    assertThat(seen.path("status").asInt()).isEqualTo(200);
    assertThat(seen.path("contentType").asText()).startsWith("application/json");
  }

  /** Java SDK invokeMethod, each way across the two sidecars. */
  @Test
  void javaSdkInvokesBothAppsAcrossSidecars() throws Exception {
    String id = newId("java");
    byte[] answer =
        javaOnJs
            .invokeMethod(
                "py-svc",
                "echo",
                JSON.writeValueAsBytes(Map.of("id", id)),
                HttpExtension.POST,
                Map.of("content-type", "application/json"))
            .block();
    JsonNode echo = JSON.readTree(answer);
    assertThat(echo.path("from").asText()).as("answer: %s", echo).isEqualTo("py-svc");
    assertThat(echo.path("echo").path("id").asText()).as("answer: %s", echo).isEqualTo(id);
    awaitRecords(
        "py-svc's echo called by Java with " + id,
        1,
        py("invoke").and(r -> id.equals(r.path("data").path("id").asText())));

    String name = newId("java");
    @SuppressWarnings("unchecked")
    Map<String, Object> greeting =
        javaOnPy
            .invokeMethod("js-app", "greet", Map.of("name", name), HttpExtension.POST, Map.class)
            .block();
    assertThat(greeting).containsEntry("from", "js-app").containsEntry("greeting", "hello " + name);
    awaitRecords(
        "js-app's POST /greet by Java with " + name,
        1,
        js("http")
            .and(r -> "/greet".equals(r.path("path").asText()))
            .and(r -> name.equals(r.path("body").path("name").asText())));
  }

  // -------------------------------------------------------------------------------------------
  // Pub/sub

  /**
   * Programmatic subscription with CEL rules on a gRPC app: each event goes to the route of the
   * first rule (by priority) it matches; an event matching none is not delivered at all (the
   * subscription has no default route).
   */
  @Test
  void celRulesRouteEventsFromJsAndJavaPublishersToThePythonSubscriber() throws Exception {
    awaitPyRoutedSubscribed();
    String gadget = newId("gadget");
    String typed = newId("typed");
    String widget = newId("widget");
    String stray = newId("stray");

    // JS over HTTP: plain JSON data, wrapped into a CloudEvent by the sidecar; data rule matches.
    run(
        jsApp,
        "/run/publish",
        Map.of(
            "sidecar", "peer",
            "protocol", "http",
            "topic", "orders",
            "data", Map.of("id", gadget, "kind", "gadget")));
    // JS over gRPC: the type rule matches through the documented cloudevent.type override.
    run(
        jsApp,
        "/run/publish",
        Map.of(
            "sidecar", "peer",
            "protocol", "grpc",
            "topic", "orders",
            "data", Map.of("id", typed, "kind", "gizmo"),
            "metadata", Map.of("cloudevent.type", "com.tandem.widget")));
    // Java: a whole CloudEvent (application/cloudevents+json) is delivered with its own id and
    // type.
    CloudEvent<Map<String, String>> ce = new CloudEvent<>();
    ce.setId("java-ce-" + widget);
    ce.setSource("java-publisher");
    ce.setType("com.tandem.widget");
    ce.setSpecversion("1.0");
    ce.setDatacontenttype("application/json");
    ce.setData(Map.of("id", widget, "kind", "widget"));
    javaOnPy
        .publishEvent(
            new PublishEventRequest("pubsub", "orders", ce).setContentType(CloudEvent.CONTENT_TYPE))
        .block();
    // Matches no rule.
    run(
        jsApp,
        "/run/publish",
        Map.of(
            "sidecar", "peer",
            "protocol", "http",
            "topic", "orders",
            "data", Map.of("id", stray, "kind", "sprocket")));

    // Routing: each event reached the handler of the first rule it matches.
    JsonNode g = awaitRecords("the gadget event", 1, pyEventWithDataId(gadget)).get(0);
    JsonNode t =
        awaitRecords("the event typed through metadata", 1, pyEventWithDataId(typed)).get(0);
    JsonNode w = awaitRecords("the Java CloudEvent", 1, pyEventWithDataId(widget)).get(0);
    assertThat(g.path("route").asText()).as("route of %s", g).isEqualTo("gadgets");
    assertThat(t.path("route").asText()).as("route of %s", t).isEqualTo("widgets");
    assertThat(w.path("route").asText()).as("route of %s", w).isEqualTo("widgets");

    // What the sidecar sent on the wire: TopicEventRequest.path is the matched rule's path.
    List<JsonNode> callbacks =
        recorder.matching(py("callback").and(r -> "orders".equals(r.path("topic").asText())));
    assertThat(callbacks)
        .as("OnTopicEvent calls for topic orders")
        .anySatisfy(c -> assertThat(c.path("path").asText()).isEqualTo("gadgets"))
        .anySatisfy(c -> assertThat(c.path("path").asText()).isEqualTo("widgets"))
        .allSatisfy(c -> assertThat(c.path("path").asText()).isIn("gadgets", "widgets"));

    assertThat(afterQuietPeriod(pyEventWithDataId(stray)))
        .as("an event no rule matches is not delivered (no default route)")
        .isEmpty();
    assertThat(
            recorder.matching(
                py("event").and(r -> "orders_unrouted".equals(r.path("route").asText()))))
        .as("deliveries to the topic's empty path")
        .isEmpty();

    // The CloudEvents as the subscriber sees them (all checked, then reported together).
    SoftAssertions.assertSoftly(
        soft -> {
          soft.assertThat(g.path("topic").asText()).as("topic of %s", g).isEqualTo("orders");
          soft.assertThat(g.path("type").asText())
              .as("type Dapr gives the events it wraps: %s", g)
              .isEqualTo("com.dapr.event.sent");
          soft.assertThat(g.path("source").asText())
              .as("source: the publishing sidecar's app id: %s", g)
              .isEqualTo("py-svc");
          soft.assertThat(g.path("datacontenttype").asText())
              .as("datacontenttype of %s", g)
              .startsWith("application/json");
          soft.assertThat(g.path("id").asText()).as("id of %s", g).isNotBlank();
          soft.assertThat(g.path("extensions").path("pubsubname").asText())
              .as(
                  "TopicEventRequest.extensions carries the CloudEvent's other attributes, "
                      + "pubsubname among them: %s",
                  g)
              .isEqualTo("pubsub");
          soft.assertThat(g.path("extensions").path("topic").asText())
              .as("TopicEventRequest.extensions carries topic: %s", g)
              .isEqualTo("orders");
          soft.assertThat(t.path("type").asText())
              .as("type overridden by the cloudevent.type metadata: %s", t)
              .isEqualTo("com.tandem.widget");
          soft.assertThat(w.path("id").asText())
              .as("id of the Java-made CloudEvent: %s", w)
              .isEqualTo("java-ce-" + widget);
          soft.assertThat(w.path("source").asText())
              .as("source of the Java-made CloudEvent: %s", w)
              .isEqualTo("java-publisher");
          soft.assertThat(w.path("type").asText())
              .as("type of the Java-made CloudEvent: %s", w)
              .isEqualTo("com.tandem.widget");
        });
  }

  /** Programmatic routes with a default, on an HTTP app (DaprServer's subscribeWithOptions). */
  @Test
  void defaultRouteTakesWhatNoRuleMatchesOnTheJsHttpApp() throws Exception {
    awaitJsSubscribed();
    String widget = newId("widget");
    String other = newId("bolt");
    javaOnJs.publishEvent("pubsub", "inventory", Map.of("id", widget, "kind", "widget")).block();
    javaOnJs.publishEvent("pubsub", "inventory", Map.of("id", other, "kind", "bolt")).block();

    JsonNode w = awaitRecords("the widget on js-app", 1, jsRequestWithDataId(widget)).get(0);
    assertThat(w.path("path").asText())
        .as("request %s", w)
        .isEqualTo("/pubsub--inventory--widgets");
    assertThat(w.path("method").asText()).isEqualTo("POST");
    assertThat(w.path("body").path("topic").asText()).isEqualTo("inventory");
    assertThat(w.path("body").path("specversion").asText()).isEqualTo("1.0");

    JsonNode o = awaitRecords("the bolt on js-app", 1, jsRequestWithDataId(other)).get(0);
    assertThat(o.path("path").asText())
        .as("request %s", o)
        .isEqualTo("/pubsub--inventory--products");
  }

  /** RETRY from a gRPC app (TopicEventResponse RETRY): the same event is delivered again. */
  @Test
  void retryFromThePythonGrpcAppIsRedelivered() throws Exception {
    awaitPySubscribed();
    String id = newId("retry-py");
    javaOnPy.publishEvent("pubsub", "retry-topic", Map.of("id", id)).block();

    List<JsonNode> py = awaitRecords("2 deliveries to py-svc of " + id, 2, pyEventWithDataId(id));
    assertThat(Recorder.texts(py, "answer")).as("py-svc's answers").startsWith("retry", "success");
    assertThat(Recorder.texts(py, "id"))
        .as("CloudEvent ids of the deliveries")
        .containsOnly(py.get(0).path("id").asText());
    assertThat(afterQuietPeriod(pyEventWithDataId(id)))
        .as("deliveries to py-svc after it answered SUCCESS")
        .hasSize(2);
  }

  /** RETRY from an HTTP app ({"status":"RETRY"}): the same event is delivered again. */
  @Test
  void retryFromTheJsHttpAppIsRedelivered() throws Exception {
    awaitJsSubscribed();
    String id = newId("retry-js");
    javaOnJs.publishEvent("pubsub", "js-retry", Map.of("id", id)).block();

    List<JsonNode> js = awaitRecords("2 deliveries to js-app of " + id, 2, jsRequestWithDataId(id));
    assertThat(Recorder.texts(js, "path")).containsOnly("/pubsub--js-retry--default");
    assertThat(Recorder.texts(js, "status")).containsOnly("200");
    assertThat(afterQuietPeriod(jsRequestWithDataId(id)))
        .as("deliveries to js-app after it answered SUCCESS")
        .hasSize(2);
  }

  /**
   * DROP is not redelivered, and with a dead-letter topic the dropped event is forwarded there as
   * it was.
   */
  @Test
  void dropIsNotRedeliveredAndGoesToTheDeadLetterTopic() throws Exception {
    awaitPySubscribed();
    String id = newId("drop");
    javaOnPy.publishEvent("pubsub", "drop-topic", Map.of("id", id)).block();

    Predicate<JsonNode> dropped =
        pyEventWithDataId(id).and(r -> "drop-topic".equals(r.path("route").asText()));
    Predicate<JsonNode> deadLettered =
        pyEventWithDataId(id).and(r -> "drop-topic-dead".equals(r.path("route").asText()));
    JsonNode first = awaitRecords("the delivery of " + id, 1, dropped).get(0);
    JsonNode dead = awaitRecords("the dead letter of " + id, 1, deadLettered).get(0);
    assertThat(dead.path("topic").asText()).isEqualTo("drop-topic-dead");
    assertThat(dead.path("id").asText())
        .as("the dead letter is the same CloudEvent")
        .isEqualTo(first.path("id").asText());

    assertThat(afterQuietPeriod(dropped)).as("deliveries of a dropped event").hasSize(1);
    assertThat(recorder.matching(deadLettered)).as("dead letters of one dropped event").hasSize(1);
    // Dapr forwards the CloudEvent unchanged; its topic attribute reaches a gRPC app in
    // TopicEventRequest.extensions (what the Python SDK's dead-letter example prints).
    assertThat(dead.path("extensions").path("topic").asText())
        .as("the forwarded CloudEvent still names its original topic: %s", dead)
        .isEqualTo("drop-topic");
  }

  /** DROP from an HTTP app ({"status":"DROP"}): not delivered again. */
  @Test
  void dropFromTheJsHttpAppIsNotRedelivered() throws Exception {
    awaitJsSubscribed();
    String id = newId("drop-js");
    javaOnJs.publishEvent("pubsub", "js-drop", Map.of("id", id)).block();

    Predicate<JsonNode> delivered =
        jsRequestWithDataId(id)
            .and(r -> "/pubsub--js-drop--default".equals(r.path("path").asText()));
    awaitRecords("the delivery of " + id, 1, delivered);
    assertThat(afterQuietPeriod(delivered)).as("deliveries answered DROP").hasSize(1);
  }

  /** An HTTP app answering 404 (a declarative subscription to a path it does not serve). */
  @Test
  void notFoundFromTheJsHttpAppIsNotRedelivered() throws Exception {
    awaitJsSubscribed();
    String id = newId("gone");
    javaOnJs.publishEvent("pubsub", "js-gone", Map.of("id", id)).block();

    Predicate<JsonNode> notFound =
        jsRequestWithDataId(id).and(r -> "/no-such-handler".equals(r.path("path").asText()));
    JsonNode gone =
        awaitRecords("the delivery of " + id + " to /no-such-handler", 1, notFound).get(0);
    assertThat(gone.path("method").asText()).isEqualTo("POST");
    assertThat(gone.path("status").asInt()).isEqualTo(404);
    assertThat(afterQuietPeriod(notFound)).as("deliveries answered 404").hasSize(1);
  }

  /**
   * Java bulk publish (publishEvents) to an HTTP app that bulk-subscribes (DaprServer
   * subscribeBulk): every event arrives once, inside {"entries": [...]} batches.
   */
  @Test
  void bulkPublishFromJavaReachesTheJsBulkSubscriber() throws Exception {
    awaitJsSubscribed();
    List<String> ids = List.of(newId("bulk"), newId("bulk"), newId("bulk"));
    List<Map<String, String>> events = new ArrayList<>();
    for (String id : ids) {
      events.add(Map.of("id", id));
    }
    BulkPublishResponse<Map<String, String>> published =
        javaOnJs.publishEvents("pubsub", "js-bulk", "application/json", events).block();
    assertThat(published.getFailedEntries()).as("entries the sidecar failed to publish").isEmpty();

    Predicate<JsonNode> bulk =
        js("http").and(r -> "/pubsub--js-bulk--default".equals(r.path("path").asText()));
    Predicate<JsonNode> carriesOurs =
        bulk.and(r -> bulkDataIds(r).stream().anyMatch(ids::contains));
    awaitCondition(
        "bulk deliveries to js-app carrying all of " + ids,
        () -> collectBulkIds(recorder.matching(carriesOurs)).containsAll(ids));
    List<JsonNode> deliveries = afterQuietPeriod(carriesOurs);
    assertThat(deliveries)
        .as("deliveries to js-app's bulk route")
        .allSatisfy(d -> assertThat(d.path("body").path("entries").isArray()).isTrue());
    assertThat(collectBulkIds(deliveries))
        .as("event data ids across the bulk deliveries")
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(deliveries).allSatisfy(d -> assertThat(d.path("status").asInt()).isEqualTo(200));
  }

  static List<String> bulkDataIds(JsonNode delivery) {
    List<String> out = new ArrayList<>();
    for (JsonNode entry : delivery.path("body").path("entries")) {
      out.add(entry.path("event").path("data").path("id").asText());
    }
    return out;
  }

  static List<String> collectBulkIds(List<JsonNode> deliveries) {
    List<String> out = new ArrayList<>();
    for (JsonNode d : deliveries) {
      out.addAll(bulkDataIds(d));
    }
    return out;
  }

  /**
   * The metadata API (Java SDK getMetadata) lists each app's subscriptions as its sidecar read
   * them: topics, rules in priority order, dead-letter topic.
   */
  @Test
  void metadataListsTheSubscriptionsOfBothApps() {
    awaitPyRoutedSubscribed();
    awaitJsSubscribed();

    Map<String, SubscriptionMetadata> py = new LinkedHashMap<>();
    for (SubscriptionMetadata m : javaOnPy.getMetadata().block().getSubscriptions()) {
      py.put(m.getTopic(), m);
    }
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(py.keySet())
        .as("py-svc's subscriptions (ListTopicSubscriptions)")
        .contains("orders", "py-warmup", "retry-topic", "drop-topic", "drop-topic-dead");
    if (py.containsKey("orders")) {
      soft.assertThat(py.get("orders").getPubsubname()).isEqualTo("pubsub");
      soft.assertThat(py.get("orders").getRules())
          .extracting(RuleMetadata::getMatch, RuleMetadata::getPath)
          .as("rules of orders, by priority")
          .startsWith(
              tuple("event.type == \"com.tandem.widget\"", "widgets"),
              tuple("event.data.kind == \"gadget\"", "gadgets"));
    }
    if (py.containsKey("drop-topic")) {
      soft.assertThat(py.get("drop-topic").getDeadLetterTopic())
          .as("dead-letter topic of drop-topic")
          .isEqualTo("drop-topic-dead");
    }

    Map<String, SubscriptionMetadata> js = new LinkedHashMap<>();
    for (SubscriptionMetadata m : javaOnJs.getMetadata().block().getSubscriptions()) {
      js.put(m.getTopic(), m);
    }
    soft.assertThat(js.keySet())
        .as("js-app's subscriptions (GET /dapr/subscribe and the Subscription resource)")
        .contains("js-warmup", "inventory", "js-retry", "js-gone");
    if (js.containsKey("inventory")) {
      soft.assertThat(js.get("inventory").getRules())
          .extracting(RuleMetadata::getMatch, RuleMetadata::getPath)
          .contains(tuple("event.data.kind == \"widget\"", "/pubsub--inventory--widgets"));
    }
    soft.assertAll();
  }

  /** A streaming subscription (SubscribeTopicEventsAlpha1) through the Python SDK's DaprClient. */
  @Test
  void streamingSubscriptionThroughThePythonSdk() throws Exception {
    String topic = "stream-" + UUID.randomUUID().toString().substring(0, 6);
    run(pyApp, "/run/stream-subscribe", Map.of("topic", topic));
    try {
      // The Python SDK may reconnect its stream once just after subscribing, and pubsub.in-memory
      // keeps nothing for a stream that is not connected: probe until one probe arrives.
      Predicate<JsonNode> stream = py("stream").and(r -> topic.equals(r.path("topic").asText()));
      await("a probe through the Python SDK's stream")
          .atMost(EVENTUALLY)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                javaOnPy.publishEvent("pubsub", topic, Map.of("id", newId("probe"))).block();
                return !recorder.matching(stream).isEmpty();
              });
      String once = newId("once");
      String retried = newId("again");
      javaOnPy.publishEvent("pubsub", topic, Map.of("id", once)).block();
      javaOnPy.publishEvent("pubsub", topic, Map.of("id", retried, "retryOnce", true)).block();

      JsonNode a =
          awaitRecords(
                  "the streamed " + once,
                  1,
                  stream.and(r -> once.equals(r.path("data").path("id").asText())))
              .get(0);
      assertThat(a.path("pubsub").asText()).isEqualTo("pubsub");
      assertThat(a.path("type").asText()).isEqualTo("com.dapr.event.sent");
      assertThat(a.path("datacontenttype").asText()).startsWith("application/json");

      List<JsonNode> b =
          awaitRecords(
              "2 deliveries of the streamed " + retried,
              2,
              stream.and(r -> retried.equals(r.path("data").path("id").asText())));
      assertThat(Recorder.texts(b, "answer")).startsWith("retry", "success");

      assertThat(afterQuietPeriod(stream.and(r -> once.equals(r.path("data").path("id").asText()))))
          .as("deliveries of an event answered SUCCESS")
          .hasSize(1);
    } finally {
      run(pyApp, "/run/stream-close", Map.of("topic", topic));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Bindings

  /** bindings.cron "@every 1s" calls the Python app's @app.binding('tick') (OnBindingEvent). */
  @Test
  void cronInputBindingFiresIntoThePythonApp() {
    List<JsonNode> ticks =
        awaitRecords(
            "2 cron events on binding tick",
            2,
            py("binding").and(r -> "tick".equals(r.path("name").asText())));
    assertThat(ticks).hasSizeGreaterThanOrEqualTo(2);
  }

  /** bindings.http: the sidecar calls the recorder for the Python SDK and the Java SDK. */
  @Test
  void httpOutputBindingCallsALocalServer() throws Exception {
    String id = newId("order");
    JsonNode result =
        run(
            pyApp,
            "/run/binding",
            Map.of(
                "name",
                "recorder-http",
                "operation",
                "post",
                "data",
                Map.of("order", id),
                "metadata",
                Map.of("path", "/orders/" + id, "X-Tandem-Test", id)));

    JsonNode call =
        awaitRecords(
                "the POST the binding made for " + id,
                1,
                r ->
                    "binding-target".equals(r.path("kind").asText())
                        && r.path("path").asText().endsWith("/orders/" + id))
            .get(0);
    assertThat(call.path("method").asText()).isEqualTo("POST");
    assertThat(call.path("path").asText()).isEqualTo("/binding-target/orders/" + id);
    assertThat(call.path("headers").path("x-tandem-test").asText())
        .as("metadata starting with a capital letter is sent as a header: %s", call)
        .isEqualTo(id);
    assertThat(JSON.readTree(call.path("body").asText()))
        .isEqualTo(JSON.valueToTree(Map.of("order", id)));

    assertThat(result.path("data").path("received").asText())
        .as("the binding returns the server's body: %s", result)
        .isEqualTo(call.path("body").asText());
    assertThat(result.path("metadata").path("statusCode").asText())
        .as("metadata %s", result)
        .isEqualTo("200");

    byte[] got =
        javaOnPy
            .invokeBinding("recorder-http", "get", new byte[0], Map.of("path", "/ping/" + id))
            .block();
    awaitRecords(
        "the GET the binding made for Java",
        1,
        r ->
            "binding-target".equals(r.path("kind").asText())
                && ("/binding-target/ping/" + id).equals(r.path("path").asText())
                && "GET".equals(r.path("method").asText()));
    assertThat(JSON.readTree(got).has("seen"))
        .as("Java got the server's body: %s", new String(got, StandardCharsets.UTF_8))
        .isTrue();
  }
}
