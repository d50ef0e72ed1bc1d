package io.tandem.components.kafka;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.BindingDirection;
import io.tandem.components.bindings.InputBinding;
import io.tandem.components.bindings.InputEvent;
import io.tandem.components.bindings.InputHandler;
import io.tandem.components.bindings.InputReader;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import io.tandem.components.bindings.OutputBinding;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bindings.kafka}: reads the comma-separated {@code topics} into the app (input) and
 * publishes to {@code publishTopic} with the {@code create} operation (output), sharing Dapr's
 * Kafka metadata with {@code pubsub.kafka}.
 *
 * <p>Input events carry the record's headers plus {@code __key}, {@code __topic}, {@code
 * __partition}, {@code __offset} and {@code __timestamp}; an event's offset is committed only once
 * the app accepted it, and one the app refused is redelivered after the {@code backOff*} delay,
 * holding back its partition (set {@code consumeRetryEnabled: "false"} to skip it instead, as
 * Dapr's binding does by default). The output's {@code partitionKey} (or {@code __key}) metadata
 * becomes the record key, every other entry a header.
 */
public final class KafkaBinding implements InputBinding, OutputBinding {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.kafka");

  private final List<TopicConsumer> consumers = new CopyOnWriteArrayList<>();
  private volatile KafkaConnection conn;
  private String label = "bindings.kafka";
  private List<String> topics = List.of();
  private String publishTopic;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    BindingDirection.of(metadata);
    label = "bindings.kafka " + metadata.name();
    KafkaSettings settings = KafkaSettings.parse(metadata, context, true);
    List<String> t = new ArrayList<>();
    String v = metadata.get("topics");
    if (v != null) {
      for (String s : v.split(",")) {
        String topic = s.trim();
        if (topic.isEmpty()) {
          continue;
        }
        String problem = KafkaRecords.topicProblem(topic);
        if (problem != null) {
          throw ComponentException.invalid(
              "component " + metadata.name() + ": metadata 'topics': " + problem);
        }
        t.add(topic);
      }
    }
    topics = List.copyOf(t);
    String pt = metadata.get("publishTopic");
    if (pt != null && !pt.isBlank()) {
      String problem = KafkaRecords.topicProblem(pt.trim());
      if (problem != null) {
        throw ComponentException.invalid(
            "component " + metadata.name() + ": metadata 'publishTopic': " + problem);
      }
      publishTopic = pt.trim();
    }
    conn = KafkaConnection.open(settings, label, true);
    log.info(
        "{}: {}, topics={}, publishTopic={}",
        label,
        settings,
        topics,
        publishTopic == null ? "(none)" : publishTopic);
  }

  @Override
  public Set<String> features() {
    return Set.of(FEATURE_INPUT_BINDING, FEATURE_OUTPUT_BINDING);
  }

  @Override
  public Optional<String> trouble() {
    return KafkaConnection.trouble(conn, consumers);
  }

  @Override
  public Set<String> operations() {
    return Set.of(CREATE);
  }

  @Override
  public CompletionStage<InvokeResponse> invoke(InvokeRequest request) {
    KafkaConnection c = conn;
    if (c == null || c.isClosed()) {
      return CompletableFuture.failedFuture(
          new ComponentException(ComponentException.Reason.FAILURE, label + " is closed"));
    }
    if (!CREATE.equals(request.operation())) {
      return CompletableFuture.failedFuture(
          new ComponentException(
              ComponentException.Reason.NOT_SUPPORTED,
              label + ": operation " + request.operation() + " is not supported (only create)"));
    }
    if (publishTopic == null) {
      return CompletableFuture.failedFuture(
          ComponentException.invalid(label + ": metadata 'publishTopic' is not set"));
    }
    String topic = publishTopic;
    return c.send(KafkaRecords.record(topic, request.data(), request.metadata()))
        .handle(
            (md, err) -> {
              if (err != null) {
                throw KafkaComponents.publishFailed(c, topic, err);
              }
              return null;
            });
  }

  @Override
  public InputReader read(InputHandler handler) {
    KafkaConnection c = conn;
    if (c == null || c.isClosed()) {
      throw new ComponentException(ComponentException.Reason.FAILURE, label + " is closed");
    }
    if (topics.isEmpty()) {
      log.warn("{}: no topics defined, the input binding reads nothing", label);
      return new IdleReader();
    }
    boolean escape = c.settings.escapeHeaders;
    TopicConsumer tc =
        TopicConsumer.single(
            c,
            label,
            c.settings.consumerGroup,
            topics,
            r ->
                handler.handle(
                    new InputEvent(KafkaRecords.value(r), KafkaRecords.metadata(r, escape))));
    consumers.add(tc);
    return new InputReader() {
      @Override
      public void pause() {
        tc.pause();
      }

      @Override
      public void resume() {
        tc.resume();
      }

      @Override
      public boolean isPaused() {
        return tc.isPaused();
      }

      @Override
      public void close() {
        tc.close();
        tc.stopped().whenComplete((v, err) -> consumers.remove(tc));
      }
    };
  }

  @Override
  public void close() {
    KafkaComponents.close(conn, consumers, label);
  }

  /** A reader with nothing to read: no topics. */
  private static final class IdleReader implements InputReader {
    private volatile boolean paused;

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
    public void close() {}
  }
}
