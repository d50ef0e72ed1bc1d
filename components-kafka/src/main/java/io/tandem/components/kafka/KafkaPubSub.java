package io.tandem.components.kafka;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.BulkMessage;
import io.tandem.components.pubsub.BulkMessageEntry;
import io.tandem.components.pubsub.BulkMessageHandler;
import io.tandem.components.pubsub.BulkPublishRequest;
import io.tandem.components.pubsub.BulkPublishResponse;
import io.tandem.components.pubsub.BulkSubscribeOptions;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pubsub.kafka}: Dapr's Kafka pub/sub on the official Java client.
 *
 * <p>Publishing goes through one producer per component (acks=all, idempotent); the stage completes
 * once every in-sync replica stored the message. The {@code partitionKey} (or {@code __key})
 * request metadata becomes the record key; every other entry a record header.
 *
 * <p>Each subscription is one member of the consumer group ({@code consumerGroup}, else {@code
 * consumerID}, else the app id), with its own poll thread (see {@link TopicConsumer} for the commit
 * rule, order and back-pressure). Offsets are committed only for messages the handler acknowledged,
 * so a sidecar that dies redelivers what it had not finished. A partition is delivered in order;
 * {@link #ordered()} is false because a topic with several partitions is not.
 */
public final class KafkaPubSub implements PubSub {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.kafka");

  private static final String VALUE_SCHEMA_TYPE = "valueSchemaType";

  private final List<TopicConsumer> consumers = new CopyOnWriteArrayList<>();
  private volatile KafkaConnection conn;
  private String label = "pubsub.kafka";

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    label = "pubsub.kafka " + metadata.name();
    KafkaSettings settings = KafkaSettings.parse(metadata, context, true);
    conn = KafkaConnection.open(settings, label, true);
    log.info("{}: {}", label, settings);
  }

  /** For tests: the clients without the reachability check of {@link #init}. */
  void initUnchecked(ComponentMetadata metadata, ComponentContext context) {
    label = "pubsub.kafka " + metadata.name();
    conn = KafkaConnection.open(KafkaSettings.parse(metadata, context, true), label, false);
  }

  @Override
  public Set<String> features() {
    return Set.of(FEATURE_BULK_PUBLISH);
  }

  @Override
  public Optional<String> trouble() {
    return KafkaConnection.trouble(conn, consumers);
  }

  @Override
  public CompletionStage<Void> publish(PublishRequest request) {
    KafkaConnection c = conn;
    if (c == null || c.isClosed()) {
      return CompletableFuture.failedFuture(closed());
    }
    String problem = publishProblem(request.topic(), request.metadata());
    if (problem != null) {
      return CompletableFuture.failedFuture(ComponentException.invalid(problem));
    }
    return c.send(KafkaRecords.record(request.topic(), request.data(), request.metadata()))
        .handle(
            (md, err) -> {
              if (err != null) {
                throw publishFailed(request.topic(), err);
              }
              return null;
            });
  }

  /** Native: every entry is handed to the producer at once; each fails on its own. */
  @Override
  public CompletionStage<BulkPublishResponse> bulkPublish(BulkPublishRequest request) {
    KafkaConnection c = conn;
    if (c == null || c.isClosed()) {
      return CompletableFuture.failedFuture(closed());
    }
    String problem = publishProblem(request.topic(), request.metadata());
    if (problem != null) {
      return CompletableFuture.failedFuture(ComponentException.invalid(problem));
    }
    List<CompletableFuture<BulkPublishResponse.FailedEntry>> each = new ArrayList<>();
    for (BulkMessageEntry e : request.entries()) {
      Map<String, String> md = e.metadata().isEmpty() ? request.metadata() : e.metadata();
      String bad = publishProblem(request.topic(), md);
      if (bad != null) {
        each.add(
            CompletableFuture.completedFuture(
                new BulkPublishResponse.FailedEntry(e.entryId(), bad)));
        continue;
      }
      each.add(
          c.send(KafkaRecords.record(request.topic(), e.event(), md))
              .handle(
                  (ok, err) ->
                      err == null
                          ? null
                          : new BulkPublishResponse.FailedEntry(
                              e.entryId(), publishFailed(request.topic(), err).getMessage())));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              List<BulkPublishResponse.FailedEntry> failed = new ArrayList<>();
              for (CompletableFuture<BulkPublishResponse.FailedEntry> f : each) {
                BulkPublishResponse.FailedEntry fe = f.join();
                if (fe != null) {
                  failed.add(fe);
                }
              }
              return new BulkPublishResponse(failed);
            });
  }

  @Override
  public TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler) {
    KafkaConnection c = checkSubscribe(request);
    boolean escape = c.settings.escapeHeaders;
    TopicConsumer tc =
        TopicConsumer.single(
            c,
            label + " topic " + request.topic(),
            c.settings.consumerGroup,
            List.of(request.topic()),
            r -> handler.handle(message(r, escape)));
    return track(tc);
  }

  /** Native: batches gather records of every assigned partition. */
  @Override
  public TopicSubscription bulkSubscribe(
      SubscribeRequest request, BulkSubscribeOptions options, BulkMessageHandler handler) {
    KafkaConnection c = checkSubscribe(request);
    boolean escape = c.settings.escapeHeaders;
    String topic = request.topic();
    TopicConsumer tc =
        TopicConsumer.batches(
            c,
            label + " topic " + topic + " (bulk)",
            c.settings.consumerGroup,
            List.of(topic),
            options.maxMessagesCount(),
            options.maxAwaitDuration(),
            records -> {
              List<BulkMessageEntry> entries = new ArrayList<>(records.size());
              for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<byte[], byte[]> r = records.get(i);
                entries.add(
                    new BulkMessageEntry(
                        Integer.toString(i),
                        KafkaRecords.value(r),
                        null,
                        KafkaRecords.metadata(r, escape)));
              }
              return handler
                  .handle(new BulkMessage(topic, entries, Map.of()))
                  .thenApply(
                      failed -> {
                        Set<Integer> out = new HashSet<>();
                        if (failed != null) {
                          for (String id : failed) {
                            try {
                              out.add(Integer.parseInt(id));
                            } catch (NumberFormatException e) {
                              // not one of ours
                            }
                          }
                        }
                        return out;
                      });
            });
    return track(tc);
  }

  @Override
  public boolean ordered() {
    return false;
  }

  /** For tests: the partitions each subscription holds now. */
  List<Set<TopicPartition>> assignments() {
    List<Set<TopicPartition>> out = new ArrayList<>();
    consumers.forEach(tc -> out.add(tc.assignment()));
    return out;
  }

  /** For tests: records fetched and not yet acknowledged, over every subscription. */
  int backlog() {
    return consumers.stream().mapToInt(TopicConsumer::backlog).sum();
  }

  @Override
  public void close() {
    KafkaComponents.close(conn, consumers, label);
  }

  // ----

  private TopicSubscription track(TopicConsumer tc) {
    consumers.add(tc);
    return () -> {
      tc.close();
      tc.stopped().whenComplete((v, err) -> consumers.remove(tc));
    };
  }

  private KafkaConnection checkSubscribe(SubscribeRequest request) {
    KafkaConnection c = conn;
    if (c == null || c.isClosed()) {
      throw closed();
    }
    String problem = KafkaRecords.topicProblem(request.topic());
    if (problem != null) {
      throw ComponentException.invalid(problem);
    }
    if (avro(request.metadata())) {
      throw ComponentException.invalid(
          label + ": valueSchemaType Avro (schema registry) is not supported");
    }
    return c;
  }

  private String publishProblem(String topic, Map<String, String> metadata) {
    String problem = KafkaRecords.topicProblem(topic);
    if (problem != null) {
      return problem;
    }
    if (avro(metadata)) {
      return label + ": valueSchemaType Avro (schema registry) is not supported";
    }
    return null;
  }

  private static boolean avro(Map<String, String> metadata) {
    String v = metadata.get(VALUE_SCHEMA_TYPE);
    return v != null && v.trim().equalsIgnoreCase("avro");
  }

  private static Message message(ConsumerRecord<byte[], byte[]> r, boolean escape) {
    return new Message(r.topic(), KafkaRecords.value(r), null, KafkaRecords.metadata(r, escape));
  }

  private ComponentException publishFailed(String topic, Throwable err) {
    return KafkaComponents.publishFailed(conn, topic, err);
  }

  private ComponentException closed() {
    return new ComponentException(ComponentException.Reason.FAILURE, label + " is closed");
  }
}
