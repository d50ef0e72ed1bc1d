package io.tandem.sidecar.appchannel;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.sidecar.AppChannelConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code --app-protocol https} and {@code h2c}: what the app sees on the wire. */
class HttpAppChannelProtocolsIT {
  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** An app answering with the protocol it was reached over. */
  HttpServer app(HttpServerOptions options) throws Exception {
    HttpServer server =
        vertx
            .createHttpServer(options.setHost("127.0.0.1").setPort(0))
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body ->
                                req.response()
                                    .end(req.version() + " tls=" + req.isSSL() + " body=" + body)));
    return await(server.listen());
  }

  String call(HttpServer server, String protocol) throws Exception {
    try (HttpAppChannel ch =
        new HttpAppChannel(
            vertx,
            new AppChannelConfig(
                server.actualPort(),
                protocol,
                "127.0.0.1",
                -1,
                false,
                null,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                1,
                null))) {
      AppResponse r =
          await(
              ch.invoke(
                  new AppRequest(
                      "POST",
                      "hello",
                      "",
                      MultiMap.caseInsensitiveMultiMap(),
                      new BufferReadStream(vertx, Buffer.buffer("hi")))));
      assertThat(r.status()).isEqualTo(200);
      return await(Bodies.collect(r.body(), 1024)).toString();
    }
  }

  @Test
  void httpsReachesAnAppWithASelfSignedCertificate() throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    HttpServer server =
        app(new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions()));
    assertThat(call(server, "https")).isEqualTo("HTTP_1_1 tls=true body=hi");
  }

  @Test
  void h2cSpeaksHttp2WithoutTls() throws Exception {
    HttpServer server = app(new HttpServerOptions());
    assertThat(call(server, "h2c")).isEqualTo("HTTP_2 tls=false body=hi");
    assertThat(call(server, "http")).isEqualTo("HTTP_1_1 tls=false body=hi");
  }
}
