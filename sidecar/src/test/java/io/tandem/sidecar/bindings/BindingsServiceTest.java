package io.tandem.sidecar.bindings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.dapr.v1.DaprBindingsProtos.InvokeBindingRequest;
import io.micrometer.core.instrument.Gauge;
import io.tandem.components.ComponentFactory;
import io.tandem.sidecar.TestResources;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.appchannel.BindingEventResult;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.registry.ComponentRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BindingsServiceTest {
  final SidecarMetrics metrics = SidecarMetrics.inMemory("app");
  final FakeAppChannel app = new FakeAppChannel();
  ComponentRegistry registry;
  BindingsService service;

  /** Loads fake bindings: name, then metadata pairs, separated by "|" between components. */
  private BindingsService load(boolean appRoutesByPath, String... components) throws Exception {
    registry =
        new ComponentRegistry(
            TestResources.context("app", Map.of()),
            Map.<String, ComponentFactory>of("bindings.fake", new FakeBindingFactory()));
    StringBuilder yaml = new StringBuilder();
    for (String c : components) {
      String[] parts = c.split(" ");
      yaml.append("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: ")
          .append(parts[0])
          .append("}\nspec:\n  type: bindings.fake\n  version: v1\n  metadata:\n");
      for (int i = 1; i < parts.length; i += 2) {
        yaml.append("  - {name: ")
            .append(parts[i])
            .append(", value: \"")
            .append(parts[i + 1].replace('_', ' '))
            .append("\"}\n");
      }
      yaml.append("  - {name: unused, value: x}\n---\n");
    }
    registry.loadAll(TestResources.components(yaml.toString()));
    service = new BindingsService(registry, app, appRoutesByPath, metrics);
    return service;
  }

  private FakeBinding binding(String name) {
    return (FakeBinding) registry.get(name).orElseThrow().instance();
  }

  private static InvokeBindingRequest request(String name, String op, String data) {
    return InvokeBindingRequest.newBuilder()
        .setName(name)
        .setOperation(op)
        .setData(ByteString.copyFromUtf8(data))
        .putMetadata("key", "k1")
        .build();
  }

  private OutputBindingOutcome invoke(InvokeBindingRequest req) {
    return service.invokeBinding(req).toCompletableFuture().join();
  }

  private double count(String metric, String... tags) {
    Gauge g = metrics.registry().find(metric).tags(tags).gauge();
    return g == null ? 0 : g.value();
  }

  @AfterEach
  void close() {
    if (service != null) {
      service.stop();
    }
    if (registry != null) {
      registry.close();
    }
  }

  // ---- output

  @Test
  void invokesTheBindingWithDataMetadataAndOperation() throws Exception {
    load(true, "out");
    OutputBindingOutcome o = invoke(request("out", "echo", "{\"a\":1}"));

    assertThat(o.failed()).isFalse();
    assertThat(o.response().getData().toStringUtf8()).isEqualTo("{\"a\":1}");
    assertThat(o.response().getMetadataMap()).containsEntry("from", "out");
    assertThat(binding("out").calls)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.operation()).isEqualTo("echo");
              assertThat(c.metadata()).containsExactlyEntriesOf(Map.of("key", "k1"));
            });
    assertThat(
            count(
                "dapr_component_output_binding_count",
                "component",
                "out",
                "operation",
                "echo",
                "success",
                "true"))
        .isEqualTo(1);
  }

  @Test
  void bindingWithNothingToSayGivesNoResponse() throws Exception {
    load(true, "out");
    OutputBindingOutcome o = invoke(request("out", "none", ""));
    assertThat(o.failed()).isFalse();
    assertThat(o.response()).isNull();
  }

  @Test
  void unknownBindingIsDaprsError() throws Exception {
    load(true, "out");
    OutputBindingOutcome o = invoke(request("nope", "echo", ""));

    assertThat(o.response()).isNull();
    assertThat(o.error().error()).isEqualTo(ApiError.INVOKE_OUTPUT_BINDING);
    assertThat(o.error().errorCode()).isEqualTo("ERR_INVOKE_OUTPUT_BINDING");
    assertThat(o.error().error().httpStatus()).isEqualTo(500);
    assertThat(o.error().getMessage())
        .isEqualTo("error invoking output binding nope: couldn't find output binding nope");
    assertThat(
            count(
                "dapr_component_output_binding_count",
                "component",
                "nope",
                "operation",
                "echo",
                "success",
                "false"))
        .isEqualTo(1);
  }

  @Test
  void missingOperationIsRefused() throws Exception {
    load(true, "out");
    assertThat(invoke(request("out", "", "")).error().getMessage())
        .isEqualTo("error invoking output binding out: operation field is missing from request");
    assertThat(binding("out").calls).isEmpty();
  }

  @Test
  void unsupportedOperationListsTheSupportedOnes() throws Exception {
    load(true, "out");
    assertThat(invoke(request("out", "create", "")).error().getMessage())
        .isEqualTo(
            "error invoking output binding out: binding out does not support operation create."
                + " supported operations:echo fail none throw");
    assertThat(binding("out").calls).isEmpty();
  }

  @Test
  void failureKeepsTheResponseMetadataTheBindingReturned() throws Exception {
    load(true, "out");
    OutputBindingOutcome o = invoke(request("out", "fail", ""));

    assertThat(o.error().getMessage())
        .isEqualTo("error invoking output binding out: received status code 404");
    assertThat(o.response().getMetadataMap()).containsEntry("statusCode", "404");
    assertThat(o.response().getData().toStringUtf8()).isEqualTo("not here");
  }

  @Test
  void bindingThatThrowsBecomesAnErrorNotACrash() throws Exception {
    load(true, "out");
    OutputBindingOutcome o = invoke(request("out", "throw", ""));
    assertThat(o.error().getMessage()).isEqualTo("error invoking output binding out: kaboom");
  }

  @Test
  void inputOnlyDirectionIsNotAnOutputBinding() throws Exception {
    load(true, "in direction input");
    assertThat(invoke(request("in", "echo", "")).error().getMessage())
        .contains("couldn't find output binding in");
  }

  // ---- input

  @Test
  void readsBindingsTheAppAcceptsAndDeliversToTheRoute() throws Exception {
    app.listensOn.add("/orders");
    load(true, "kafka route /orders", "ignored");
    service.start();

    assertThat(app.probed).containsExactlyInAnyOrder("/orders", "ignored");
    assertThat(service.activeInputBindings()).containsExactly("kafka");
    assertThat(binding("ignored").readers).isEmpty();

    byte[] answer =
        binding("kafka").emit("hello", Map.of("topic", "t1")).toCompletableFuture().join();
    assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("done");
    assertThat(app.deliveries)
        .containsExactly(new FakeAppChannel.Delivery("/orders", "hello", Map.of("topic", "t1")));
    assertThat(count("dapr_component_input_binding_count", "component", "kafka", "success", "true"))
        .isEqualTo(1);
  }

  @Test
  void grpcAppsAreAddressedByBindingNameWhateverTheRoute() throws Exception {
    app.listensOn.add("kafka");
    load(false, "kafka route /orders");
    service.start();

    binding("kafka").emit("x", Map.of()).toCompletableFuture().join();
    assertThat(app.probed).containsExactly("kafka");
    assertThat(app.deliveries).extracting(FakeAppChannel.Delivery::target).containsExactly("kafka");
  }

  @Test
  void explicitInputDirectionSkipsTheQuestion() throws Exception {
    load(true, "tick direction input");
    service.start();
    assertThat(app.probed).isEmpty();
    assertThat(service.activeInputBindings()).containsExactly("tick");
  }

  @Test
  void outputOnlyDirectionIsNeverRead() throws Exception {
    app.listensOn.add("out");
    load(true, "out direction output");
    service.start();
    assertThat(app.probed).isEmpty();
    assertThat(binding("out").readers).isEmpty();
  }

  @Test
  void appFailureLeavesTheEventUnacknowledged() throws Exception {
    app.listensOn.add("kafka");
    load(true, "kafka");
    service.start();
    app.answer = new BindingEventResult(false, new byte[0], "the app answered 500");

    assertThatThrownBy(() -> binding("kafka").emit("x", Map.of()).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasMessageContaining("the app answered 500");
    assertThat(
            count("dapr_component_input_binding_count", "component", "kafka", "success", "false"))
        .isEqualTo(1);
  }

  @Test
  void unhealthyAppPausesReadersAndRecoveryResumesThem() throws Exception {
    app.listensOn.add("kafka");
    load(true, "kafka");
    service.start();
    FakeBinding.Reader reader = binding("kafka").readers.get(0);

    service.appUnhealthy();
    assertThat(reader.isPaused()).isTrue();
    service.appHealthy();
    assertThat(reader.isPaused()).isFalse();
  }

  @Test
  void readerStartedWhileTheAppIsUnhealthyStartsPaused() throws Exception {
    load(true, "tick direction input");
    service.appUnhealthy();
    service.start();
    assertThat(binding("tick").readers.get(0).isPaused()).isTrue();
  }

  @Test
  void failedQuestionIsAskedAgainWhenTheAppIsHealthy() throws Exception {
    app.listensOn.add("kafka");
    app.probeFails = true;
    load(true, "kafka");
    service.start();
    assertThat(service.activeInputBindings()).isEmpty();

    app.probeFails = false;
    service.appUnhealthy();
    service.appHealthy();
    assertThat(service.activeInputBindings()).containsExactly("kafka");
    assertThat(app.probed).containsExactly("kafka", "kafka");
  }

  @Test
  void stopClosesReadersAndRefusesLateEvents() throws Exception {
    load(true, "tick direction input");
    service.start();
    FakeBinding b = binding("tick");
    service.stop();

    assertThat(b.readers.get(0).closed).isTrue();
    assertThat(service.activeInputBindings()).isEmpty();
    assertThatThrownBy(() -> b.emit("late", Map.of()).toCompletableFuture().join())
        .hasMessageContaining("input binding is closed");
    assertThat(app.deliveries).isEmpty();
    service.start();
    assertThat(b.readers).hasSize(1);
  }
}
