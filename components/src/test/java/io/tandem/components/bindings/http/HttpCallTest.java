package io.tandem.components.bindings.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.InvokeRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpCallTest {

  private static HttpBindingConfig config(String... kv) {
    Map<String, String> md = new HashMap<>();
    md.put("url", "http://example.test:8080/api");
    for (int i = 0; i < kv.length; i += 2) {
      md.put(kv[i], kv[i + 1]);
    }
    return HttpBindingConfig.from(new ComponentMetadata("web", md));
  }

  private static HttpCall call(String op, String data, Map<String, String> md) {
    return HttpCall.build(
        config(),
        new InvokeRequest(op, data == null ? null : data.getBytes(StandardCharsets.UTF_8), md));
  }

  @ParameterizedTest(name = "{0} is {1}, body sent: {2}")
  @CsvSource({
    "create, POST, true",
    "post, POST, true",
    "put, PUT, true",
    "patch, PATCH, true",
    "get, GET, false",
    "head, HEAD, false",
    "delete, DELETE, false",
    "options, OPTIONS, false",
    "trace, TRACE, false",
    "GET, GET, false"
  })
  void operationBecomesTheMethod(String operation, String method, boolean withBody) {
    HttpCall c = call(operation, "{\"a\":1}", Map.of());
    assertThat(c.method()).isEqualTo(method);
    if (withBody) {
      assertThat(new String(c.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
      assertThat(c.headers()).containsEntry("Content-Type", "application/json; charset=utf-8");
    } else {
      assertThat(c.body()).isNull();
      assertThat(c.headers()).doesNotContainKey("Content-Type");
    }
    assertThat(c.headers()).containsEntry("Accept", "application/json; charset=utf-8");
  }

  @Test
  void unknownOperationIsAnInvalidArgument() {
    assertThatThrownBy(() -> call("connect", null, Map.of()))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(ComponentException.Reason.INVALID_ARGUMENT))
        .hasMessage("invalid operation: connect");
  }

  @ParameterizedTest(name = "{0} + {1} = {2}")
  @CsvSource({
    "http://h/api, /things/1, http://h/api/things/1",
    "http://h/api/, things/1, http://h/api/things/1",
    "http://h/api//, //things, http://h/api/things",
    "http://h, /search?lastName=Jones, http://h/search?lastName=Jones",
    "http://h:81/a?x=1, b, http://h:81/a?x=1/b"
  })
  void pathIsAppendedWithOneSlash(String base, String path, String expected) {
    assertThat(HttpCall.appendPath(URI.create(base), path)).isEqualTo(URI.create(expected));
  }

  @Test
  void urlWithoutPathMetadataIsUsedAsIs() {
    assertThat(call("get", null, Map.of()).uri())
        .isEqualTo(URI.create("http://example.test:8080/api"));
    assertThat(call("get", null, Map.of("path", "")).uri())
        .isEqualTo(URI.create("http://example.test:8080/api"));
    assertThat(call("get", null, Map.of("path", "/things/1234")).uri())
        .isEqualTo(URI.create("http://example.test:8080/api/things/1234"));
  }

  @Test
  void capitalisedMetadataKeysAreHeadersAndOthersAreNot() {
    HttpCall c =
        call(
            "post",
            "x",
            Map.of(
                "X-Request-Id", "42",
                "Content-Type", "text/plain",
                "Accept", "text/csv",
                "path", "/p",
                "lowercase", "not a header"));
    assertThat(c.headers())
        .containsEntry("X-Request-Id", "42")
        .containsEntry("Content-Type", "text/plain")
        .containsEntry("Accept", "text/csv")
        .doesNotContainKeys("path", "lowercase");
    assertThat(c.headers().keySet().stream().filter(k -> k.equalsIgnoreCase("content-type")))
        .hasSize(1);
  }

  @Test
  void securityTokenIsSentWhenBothKeysAreSet() {
    HttpCall c =
        HttpCall.build(
            config("securityToken", "s3cr3t", "securityTokenHeader", "X-Token"),
            new InvokeRequest("get", null, Map.of()));
    assertThat(c.headers()).containsEntry("X-Token", "s3cr3t");

    HttpCall tokenOnly =
        HttpCall.build(config("securityToken", "s3cr3t"), new InvokeRequest("get", null, Map.of()));
    assertThat(tokenOnly.headers()).doesNotContainValue("s3cr3t");
  }

  @Test
  void traceContextFromMetadataIsForwarded() {
    HttpCall c =
        call(
            "get",
            null,
            Map.of(
                "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "tracestate", "congo=t61rcWkgMzE",
                "baggage", "userId=alice"));
    assertThat(c.headers())
        .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .containsEntry("tracestate", "congo=t61rcWkgMzE")
        .containsEntry("baggage", "userId=alice");
  }

  @Test
  void errorIfNot2XXDefaultsToTrueAndEachCallMayOverrideIt() {
    assertThat(call("get", null, Map.of()).errorIfNot2XX()).isTrue();
    assertThat(call("get", null, Map.of("errorIfNot2XX", "false")).errorIfNot2XX()).isFalse();
    assertThat(call("get", null, Map.of("errorIfNot2XX", "no")).errorIfNot2XX()).isFalse();
    assertThat(
            HttpCall.build(
                    config("errorIfNot2XX", "false"), new InvokeRequest("get", null, Map.of()))
                .errorIfNot2XX())
        .isFalse();
    assertThat(
            HttpCall.build(
                    config("errorIfNot2XX", "false"),
                    new InvokeRequest("get", null, Map.of("errorIfNot2XX", "True")))
                .errorIfNot2XX())
        .isTrue();
  }

  @Test
  void truthyFollowsDapr() {
    for (String yes : new String[] {"y", "YES", "true", "T", "on", "1", " true "}) {
      assertThat(HttpCall.truthy(yes)).as(yes).isTrue();
    }
    for (String no : new String[] {"n", "no", "false", "0", "off", "maybe", ""}) {
      assertThat(HttpCall.truthy(no)).as(no).isFalse();
    }
  }
}
