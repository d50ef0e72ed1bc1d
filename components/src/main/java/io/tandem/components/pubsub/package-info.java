/**
 * The pub/sub SPI: what a message broker implements to serve Dapr's publish and subscribe API.
 *
 * <p>A broker publishes opaque bytes (the sidecar has already wrapped them in a CloudEvent unless
 * the publisher asked for a raw payload) and delivers them back to handlers with at-least-once
 * semantics: a message is acknowledged to the broker only when the handler's stage completes
 * normally; a stage that fails asks for a redelivery after a back-off. Routing, CloudEvents,
 * scopes, dead-letter topics and the app itself are the sidecar's business, never the broker's.
 */
package io.tandem.components.pubsub;
