package io.tandem.sidecar.appchannel;

import java.util.Map;

/**
 * One pub/sub message on its way to the app.
 *
 * @param route the app path (HTTP) or the path passed in {@code TopicEventRequest.path} (gRPC)
 * @param cloudEvent the CloudEvent as JSON bytes when the message is (or was wrapped into) a
 *     CloudEvent; for raw payloads ({@code rawPayload=true}) the message bytes as published
 * @param contentType {@code application/cloudevents+json} for CloudEvents, else the raw type
 * @param metadata the broker's message metadata
 */
public record TopicEvent(
    String pubsubName,
    String topic,
    String route,
    byte[] cloudEvent,
    String contentType,
    boolean raw,
    Map<String, String> metadata) {}
