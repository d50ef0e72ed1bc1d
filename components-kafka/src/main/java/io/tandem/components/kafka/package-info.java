/**
 * Kafka components on the official Java client: {@code pubsub.kafka} ({@link
 * io.tandem.components.kafka.KafkaPubSub}) and {@code bindings.kafka} ({@link
 * io.tandem.components.kafka.KafkaBinding}), with Dapr's metadata keys. Offsets are committed only
 * for what the app acknowledged; see {@link io.tandem.components.kafka.TopicConsumer}.
 */
package io.tandem.components.kafka;
