package io.tandem.sidecar.appchannel;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * One HTTP-shaped call into the app: service invocation, and the HTTP delivery of binding events.
 *
 * @param verb the HTTP method, upper case ({@code GET}, {@code POST}...)
 * @param path the app's method path, normalised and validated once at the edge, percent-encoded for
 *     a URL, without a leading slash
 * @param query the raw query string without {@code ?}, or empty
 * @param headers headers to pass on (the channel adds {@code dapr-api-token} itself)
 * @param body the request body, streamed; null for none. The channel consumes it exactly once.
 */
public record AppRequest(
    String verb, String path, String query, MultiMap headers, ReadStream<Buffer> body) {}
