package io.tandem.components.bindings.http;

import io.tandem.components.Completions;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.BindingDirection;
import io.tandem.components.bindings.BindingException;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import io.tandem.components.bindings.OutputBinding;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bindings.http}: each call is one HTTP request to the configured {@code url}, sent with the
 * JDK's asynchronous client so the caller's thread never waits. The response body is the binding's
 * data; status and headers are its metadata. A non-2xx status fails the call (with that metadata
 * still attached) unless {@code errorIfNot2XX} is false.
 */
public final class HttpOutputBinding implements OutputBinding {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.bindings.http");

  static final Set<String> OPERATIONS =
      Set.of("create", "get", "head", "post", "put", "patch", "delete", "options", "trace");

  /** Headers the JDK client sets itself and refuses from callers; Go's client ignores them too. */
  private static final Set<String> RESTRICTED =
      Set.of("connection", "content-length", "expect", "host", "upgrade");

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

  private HttpBindingConfig config;
  private HttpClient client;
  private String name;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    BindingDirection.of(metadata);
    this.name = metadata.name();
    this.config = HttpBindingConfig.from(metadata);
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    log.info(
        "bindings.http {}: url={} maxResponseBodySize={} errorIfNot2XX={} responseTimeout={}"
            + " securityToken={}",
        name,
        config.url(),
        config.maxResponseBodySize(),
        config.errorIfNot2XX(),
        config.responseTimeout(),
        config.securityToken() == null ? "unset" : "set");
  }

  @Override
  public Set<String> features() {
    return Set.of(FEATURE_OUTPUT_BINDING);
  }

  @Override
  public Set<String> operations() {
    return OPERATIONS;
  }

  @Override
  public CompletionStage<InvokeResponse> invoke(InvokeRequest request) {
    HttpCall call;
    HttpRequest httpRequest;
    try {
      call = HttpCall.build(config, request);
      httpRequest = toRequest(call);
    } catch (ComponentException e) {
      return CompletableFuture.failedFuture(e);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(ComponentException.invalid(e.getMessage()));
    }
    return client
        .sendAsync(httpRequest, LimitedBody.handler(config.maxResponseBodySize()))
        .handle(
            (response, err) -> {
              if (err != null) {
                throw failure(call, err);
              }
              Map<String, String> md =
                  HttpStatusText.responseMetadata(response.statusCode(), response.headers().map());
              InvokeResponse result = new InvokeResponse(response.body(), md);
              if (call.errorIfNot2XX() && response.statusCode() / 100 != 2) {
                throw new BindingException(
                    ComponentException.Reason.FAILURE,
                    "received status code " + response.statusCode(),
                    result);
              }
              return result;
            });
  }

  private HttpRequest toRequest(HttpCall call) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(call.uri())
            .method(
                call.method(),
                call.body() == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(call.body()));
    if (call.uri().getScheme().equalsIgnoreCase("http")) {
      // no h2c upgrade attempt on plain HTTP, as Go's client
      b.version(HttpClient.Version.HTTP_1_1);
    }
    if (config.responseTimeout() != null) {
      b.timeout(config.responseTimeout());
    }
    call.headers()
        .forEach(
            (k, v) -> {
              if (RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                log.debug("bindings.http {}: header {} is set by the client; ignored", name, k);
              } else {
                b.header(k, v);
              }
            });
    return b.build();
  }

  private static BindingException failure(HttpCall call, Throwable err) {
    Throwable cause = Completions.unwrap(err);
    String what =
        cause instanceof HttpTimeoutException
            ? "timed out"
            : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new BindingException(
        ComponentException.Reason.FAILURE,
        call.method() + " " + call.uri() + " failed: " + what,
        cause);
  }

  @Override
  public void close() {
    // the JDK 17 client has no close(); its threads end once it is unreachable
    client = null;
  }
}
