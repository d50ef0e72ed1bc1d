package io.tandem.sidecar.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The streamed body of an invocation, fed by gRPC and read by a Vert.x pipe. */
class GrpcInboundTest {
  Vertx vertx;
  Context context;
  final AtomicInteger requested = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  /** Runs {@code action} on the stream's context and waits for it. */
  void on(Consumer<GrpcInbound> action, GrpcInbound in) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          action.accept(in);
          done.complete(null);
        });
    done.get(5, TimeUnit.SECONDS);
  }

  /** Reads the body the way a pipe does; completes with what was read once the body ends. */
  CompletableFuture<String> read(GrpcInbound in) throws Exception {
    CompletableFuture<String> body = new CompletableFuture<>();
    StringBuilder sb = new StringBuilder();
    on(
        s -> {
          s.pause();
          s.endHandler(v -> body.complete(sb.toString()));
          s.handler(b -> sb.append(b));
          s.resume();
        },
        in);
    return body;
  }

  GrpcInbound inbound() {
    return new GrpcInbound(context, requested::incrementAndGet, cause -> {});
  }

  @Test
  void aBodyWithADeclaredLengthEndsWhenAllItsBytesArrivedWithoutTheHalfClose() throws Exception {
    GrpcInbound in = inbound();
    on(s -> s.declareLength("10"), in);
    CompletableFuture<String> body = read(in);
    on(s -> s.push(Buffer.buffer("hello")), in);
    assertThat(body).isNotDone();
    on(s -> s.push(Buffer.buffer("world")), in);
    // the sender's half-close may never be delivered once the other side completed the call
    assertThat(body.get(5, TimeUnit.SECONDS)).isEqualTo("helloworld");
  }

  @Test
  void anEndThatComesBeforeAnyReaderIsDeliveredToTheReader() throws Exception {
    GrpcInbound in = inbound();
    on(s -> s.push(Buffer.buffer("early")), in);
    on(GrpcInbound::end, in);
    assertThat(read(in).get(5, TimeUnit.SECONDS)).isEqualTo("early");
  }

  @Test
  void anEmptyDeclaredBodyEndsAtOnceForItsReader() throws Exception {
    GrpcInbound in = inbound();
    on(s -> s.declareLength("0"), in);
    assertThat(read(in).get(5, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void withoutADeclaredLengthTheBodyEndsWithTheHalfClose() throws Exception {
    GrpcInbound in = inbound();
    CompletableFuture<String> body = read(in);
    assertThat(requested.get()).as("a message is asked for once someone reads").isEqualTo(1);
    on(s -> s.push(Buffer.buffer("chunk")), in);
    assertThat(requested.get()).isEqualTo(2);
    assertThat(body).isNotDone();
    on(GrpcInbound::end, in);
    assertThat(body.get(5, TimeUnit.SECONDS)).isEqualTo("chunk");
  }
}
