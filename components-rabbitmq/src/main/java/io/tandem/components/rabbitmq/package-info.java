/**
 * {@code pubsub.rabbitmq}: Dapr's RabbitMQ pub/sub component on the official RabbitMQ Java client,
 * with Dapr's metadata keys, exchange and queue names, so that a Component YAML written for Dapr
 * works unchanged and both can share one broker.
 */
package io.tandem.components.rabbitmq;
