package io.tandem.sidecar.bindings;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.BindingException;
import io.tandem.components.bindings.InputBinding;
import io.tandem.components.bindings.InputEvent;
import io.tandem.components.bindings.InputHandler;
import io.tandem.components.bindings.InputReader;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import io.tandem.components.bindings.OutputBinding;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A binding that is both input and output, driven by the test. Operations: {@code echo} answers the
 * data with the request metadata, {@code none} answers nothing, {@code fail} fails with a response
 * attached, {@code throw} throws instead of failing its stage.
 */
final class FakeBinding implements OutputBinding, InputBinding {
  final List<InvokeRequest> calls = new CopyOnWriteArrayList<>();
  final List<Reader> readers = new CopyOnWriteArrayList<>();
  String name;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    name = metadata.name();
  }

  @Override
  public Set<String> operations() {
    return Set.of("echo", "none", "fail", "throw");
  }

  @Override
  public CompletionStage<InvokeResponse> invoke(InvokeRequest request) {
    calls.add(request);
    return switch (request.operation()) {
      case "echo" ->
          CompletableFuture.completedFuture(
              new InvokeResponse(request.data(), Map.of("from", name, "ops", "1")));
      case "none" -> CompletableFuture.completedFuture(null);
      case "fail" ->
          CompletableFuture.failedFuture(
              new BindingException(
                  ComponentException.Reason.FAILURE,
                  "received status code 404",
                  new InvokeResponse(
                      "not here".getBytes(StandardCharsets.UTF_8), Map.of("statusCode", "404"))));
      default -> throw new IllegalStateException("kaboom");
    };
  }

  @Override
  public InputReader read(InputHandler handler) {
    Reader r = new Reader(handler);
    readers.add(r);
    return r;
  }

  @Override
  public void close() {}

  /** Sends one event through the latest reader, as the binding's backend would. */
  CompletionStage<byte[]> emit(String data, Map<String, String> metadata) {
    return readers
        .get(readers.size() - 1)
        .handler
        .handle(new InputEvent(data.getBytes(StandardCharsets.UTF_8), metadata));
  }

  static final class Reader implements InputReader {
    final InputHandler handler;
    volatile boolean paused;
    volatile boolean closed;

    Reader(InputHandler handler) {
      this.handler = handler;
    }

    @Override
    public void pause() {
      paused = true;
    }

    @Override
    public void resume() {
      paused = false;
    }

    @Override
    public boolean isPaused() {
      return paused;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
