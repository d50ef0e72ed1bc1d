package io.tandem.sidecar.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tandem.components.Component;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentFactory;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import io.tandem.components.pubsub.memory.InMemoryPubSubFactory;
import io.tandem.sidecar.TestResources;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.registry.ComponentRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A registry with pub/sub components for the building block's tests, no I/O. */
final class PubSubFixture implements AutoCloseable {
  final ComponentRegistry registry;
  final SidecarMetrics metrics = SidecarMetrics.inMemory("app");
  final PubSubs pubsubs;
  final PubSubService service;

  /** {@code pubsub.refusing}: publishes fail for payloads that contain "poison". */
  static final class RefusingPubSub implements PubSub {
    @Override
    public void init(ComponentMetadata metadata, ComponentContext context) {}

    @Override
    public CompletionStage<Void> publish(PublishRequest request) {
      if (new String(request.data(), UTF_8).contains("poison")) {
        return CompletableFuture.failedFuture(new IllegalStateException("broker refused"));
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler) {
      return () -> {};
    }
  }

  PubSubFixture(String yaml) throws Exception {
    registry =
        new ComponentRegistry(
            TestResources.context("app", Map.of()),
            Map.<String, ComponentFactory>of(
                "pubsub.in-memory",
                new InMemoryPubSubFactory(),
                "pubsub.refusing",
                new ComponentFactory() {
                  @Override
                  public String type() {
                    return "pubsub.refusing";
                  }

                  @Override
                  public Component create() {
                    return new RefusingPubSub();
                  }
                }));
    if (!yaml.isEmpty()) {
      registry.loadAll(TestResources.components(yaml));
    }
    pubsubs = new PubSubs(registry, "app");
    service = new PubSubService(pubsubs, "app", metrics, Clock.systemUTC());
  }

  static String component(String name, String type, String... metadata) {
    StringBuilder sb =
        new StringBuilder("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: ")
            .append(name)
            .append("\nspec:\n  type: ")
            .append(type)
            .append("\n  version: v1\n");
    if (metadata.length > 0) {
      sb.append("  metadata:\n");
      for (int i = 0; i < metadata.length; i += 2) {
        sb.append("  - name: ")
            .append(metadata[i])
            .append("\n    value: \"")
            .append(metadata[i + 1])
            .append("\"\n");
      }
    }
    return sb.toString();
  }

  PubSub pubsub(String name) {
    return pubsubs.get(name).orElseThrow().pubsub();
  }

  double count(String metric, String... tags) {
    var search = metrics.registry().find(metric);
    for (int i = 0; i < tags.length; i += 2) {
      search = search.tag(tags[i], tags[i + 1]);
    }
    var gauge = search.gauge();
    return gauge == null ? 0 : gauge.value();
  }

  @Override
  public void close() {
    registry.close();
  }
}
