package io.tandem.sidecar.bindings;

import com.google.protobuf.ByteString;
import io.dapr.v1.DaprBindingsProtos.InvokeBindingRequest;
import io.dapr.v1.DaprBindingsProtos.InvokeBindingResponse;
import io.tandem.components.Completions;
import io.tandem.components.ComponentException;
import io.tandem.components.bindings.BindingDirection;
import io.tandem.components.bindings.BindingException;
import io.tandem.components.bindings.InputBinding;
import io.tandem.components.bindings.InputEvent;
import io.tandem.components.bindings.InputReader;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import io.tandem.components.bindings.OutputBinding;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppHealthListener;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.tandem.sidecar.registry.LoadedComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bindings building block, shared by both transports.
 *
 * <p>Output: finds the output binding, checks the operation against the ones it declares, calls it,
 * records {@code dapr_component_output_binding_*}, and renders failures as {@code
 * ERR_INVOKE_OUTPUT_BINDING} with Dapr's messages, keeping the response metadata a failed call
 * still returned.
 *
 * <p>Input: once the app listens ({@link #start}), every input binding whose app route is accepted
 * (HTTP {@code OPTIONS /<route>}, gRPC {@code ListInputBindings}; skipped when the component says
 * {@code direction: input}) starts reading; each event goes to the app through {@link AppChannel},
 * and the app's answer is the event's ack (2xx / OK) or nack. While the app is unhealthy the
 * readers are paused.
 */
public final class BindingsService implements AppHealthListener {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.bindings");

  /** Component metadata naming the app path that receives a binding's events (HTTP apps). */
  static final String ROUTE = "route";

  private final ComponentRegistry registry;
  private final AppChannel app;
  private final boolean appRoutesByPath;
  private final SidecarMetrics metrics;
  private final Map<String, InputReader> readers = new ConcurrentHashMap<>();
  private final Map<String, Boolean> probeFailed = new ConcurrentHashMap<>();
  private volatile boolean started;
  private volatile boolean stopped;
  private volatile boolean appHealthy = true;

  /**
   * @param appRoutesByPath true when the app channel addresses bindings by path (HTTP apps: the
   *     binding's {@code route} metadata applies), false when by name (gRPC apps)
   */
  public BindingsService(
      ComponentRegistry registry, AppChannel app, boolean appRoutesByPath, SidecarMetrics metrics) {
    this.registry = registry;
    this.app = app;
    this.appRoutesByPath = appRoutesByPath;
    this.metrics = metrics;
  }

  // ---- output

  /**
   * Invokes an output binding. Never fails: the outcome carries the response, the error, or both.
   */
  public CompletionStage<OutputBindingOutcome> invokeBinding(InvokeBindingRequest req) {
    String name = req.getName();
    String operation = req.getOperation();
    long start = System.nanoTime();
    CompletionStage<InvokeResponse> call = Completions.call(() -> call(req));
    return call.handle(
        (res, err) -> {
          metrics.outputBindingInvoked(
              name, operation, err == null, (System.nanoTime() - start) / 1e6);
          if (err == null) {
            return new OutputBindingOutcome(res == null ? null : toProto(res), null);
          }
          Throwable cause = Completions.unwrap(err);
          InvokeResponse partial = cause instanceof BindingException be ? be.response() : null;
          if (!(cause instanceof ComponentException) && !(cause instanceof ApiException)) {
            log.warn("output binding {} failed unexpectedly", name, cause);
          }
          return new OutputBindingOutcome(
              partial == null ? null : toProto(partial), error(name, cause));
        });
  }

  private CompletionStage<InvokeResponse> call(InvokeBindingRequest req) {
    String name = req.getName();
    if (req.getOperation().isEmpty()) {
      throw failure(name, "operation field is missing from request");
    }
    OutputBinding binding =
        outputBinding(name)
            .orElseThrow(() -> failure(name, "couldn't find output binding " + name));
    if (!binding.operations().contains(req.getOperation())) {
      throw failure(
          name,
          "binding "
              + name
              + " does not support operation "
              + req.getOperation()
              + ". supported operations:"
              + String.join(" ", binding.operations().stream().sorted().toList()));
    }
    CompletionStage<InvokeResponse> stage =
        binding.invoke(
            new InvokeRequest(
                req.getOperation(), req.getData().toByteArray(), req.getMetadataMap()));
    return stage == null ? CompletableFuture.completedFuture(null) : stage;
  }

  private Optional<OutputBinding> outputBinding(String name) {
    return registry
        .get(name)
        .filter(c -> c.instance() instanceof OutputBinding)
        .filter(c -> direction(c).output())
        .map(c -> (OutputBinding) c.instance());
  }

  private static InvokeBindingResponse toProto(InvokeResponse res) {
    return InvokeBindingResponse.newBuilder()
        .setData(ByteString.copyFrom(res.data()))
        .putAllMetadata(res.metadata())
        .build();
  }

  private static ApiException error(String name, Throwable cause) {
    if (cause instanceof ApiException api) {
      return api;
    }
    String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return failure(name, why);
  }

  private static ApiException failure(String name, String why) {
    return ApiError.INVOKE_OUTPUT_BINDING.exception(
        "error invoking output binding " + name + ": " + why);
  }

  // ---- input

  /** The names of the input bindings being read from. */
  public List<String> activeInputBindings() {
    return readers.keySet().stream().sorted().toList();
  }

  /** Starts reading the input bindings the app listens to. Call once the app is reachable. */
  public synchronized void start() {
    if (started || stopped) {
      return;
    }
    started = true;
    for (LoadedComponent c : inputBindings()) {
      subscribe(c);
    }
  }

  private List<LoadedComponent> inputBindings() {
    List<LoadedComponent> out = new ArrayList<>();
    for (LoadedComponent c : registry.all()) {
      if (c.instance() instanceof InputBinding && direction(c).input()) {
        out.add(c);
      }
    }
    return out;
  }

  private void subscribe(LoadedComponent c) {
    String name = c.name();
    String target = appTarget(c);
    if (direction(c).explicit()) {
      startReading(c, target);
      return;
    }
    app.acceptsBinding(target)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                probeFailed.put(name, true);
                log.warn(
                    "cannot ask the app whether it listens to input binding {}: {} (asking again"
                        + " when the app is healthy)",
                    name,
                    ar.cause().getMessage());
              } else if (Boolean.TRUE.equals(ar.result())) {
                startReading(c, target);
              } else {
                log.info("app has not subscribed to binding {}", name);
              }
            });
  }

  /** Where the app receives a binding's events: its route (HTTP) or its name (gRPC). */
  private String appTarget(LoadedComponent c) {
    if (!appRoutesByPath) {
      return c.name();
    }
    String route = c.metadata().get(ROUTE);
    return route == null || route.isBlank() ? c.name() : route.trim();
  }

  private synchronized void startReading(LoadedComponent c, String target) {
    String name = c.name();
    if (stopped || readers.containsKey(name)) {
      return;
    }
    InputBinding binding = (InputBinding) c.instance();
    InputReader reader;
    try {
      reader = binding.read(event -> deliver(name, target, event));
    } catch (RuntimeException e) {
      log.error("error reading from input binding {}: {}", name, e.getMessage());
      return;
    }
    if (!appHealthy) {
      reader.pause();
    }
    readers.put(name, reader);
    probeFailed.remove(name);
    log.info("reading from input binding {} into the app at {}", name, target);
  }

  private CompletionStage<byte[]> deliver(String name, String target, InputEvent event) {
    if (stopped) {
      return CompletableFuture.failedFuture(new IllegalStateException("input binding is closed"));
    }
    long start = System.nanoTime();
    CompletionStage<byte[]> delivered;
    try {
      delivered =
          app.deliverBinding(target, event.data(), event.metadata())
              .toCompletionStage()
              .thenApply(
                  r -> {
                    if (!r.success()) {
                      throw new CompletionException(
                          new IllegalStateException(
                              "fails to send binding event to the app: "
                                  + (r.error() == null ? "not processed" : r.error())));
                    }
                    return r.data() == null ? new byte[0] : r.data();
                  });
    } catch (RuntimeException e) {
      delivered = CompletableFuture.failedFuture(e);
    }
    return delivered.whenComplete(
        (ok, err) -> {
          metrics.inputBindingEvent(name, err == null, (System.nanoTime() - start) / 1e6);
          if (err != null) {
            log.debug(
                "error from app consumer for binding {}: {}",
                name,
                Completions.unwrap(err).getMessage());
          }
        });
  }

  @Override
  public synchronized void appHealthy() {
    appHealthy = true;
    readers.values().forEach(InputReader::resume);
    if (started && !stopped) {
      for (LoadedComponent c : inputBindings()) {
        if (probeFailed.containsKey(c.name()) && !readers.containsKey(c.name())) {
          probeFailed.remove(c.name());
          subscribe(c);
        }
      }
    }
  }

  @Override
  public synchronized void appUnhealthy() {
    appHealthy = false;
    readers.values().forEach(InputReader::pause);
  }

  /** Stops every reader; output bindings keep working until the components close. */
  public synchronized void stop() {
    stopped = true;
    readers.forEach(
        (name, r) -> {
          try {
            r.close();
          } catch (RuntimeException e) {
            log.warn("closing input binding {} failed: {}", name, e.getMessage());
          }
        });
    readers.clear();
  }

  private static BindingDirection direction(LoadedComponent c) {
    try {
      return BindingDirection.of(c.metadata());
    } catch (ComponentException e) {
      return new BindingDirection(false, false, true);
    }
  }
}
