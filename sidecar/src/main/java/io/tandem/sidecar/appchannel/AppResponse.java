package io.tandem.sidecar.appchannel;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * The app's answer to an {@link AppRequest}: status and headers as the app sent them, and the body
 * streamed (paused until the caller pipes it somewhere).
 */
public record AppResponse(int status, MultiMap headers, ReadStream<Buffer> body) {}
