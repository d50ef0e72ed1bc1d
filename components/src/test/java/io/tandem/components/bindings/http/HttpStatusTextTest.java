package io.tandem.components.bindings.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpStatusTextTest {

  @Test
  void statusIsCodeAndReasonAsGoReportsIt() {
    assertThat(HttpStatusText.status(200)).isEqualTo("200 OK");
    assertThat(HttpStatusText.status(201)).isEqualTo("201 Created");
    assertThat(HttpStatusText.status(404)).isEqualTo("404 Not Found");
    assertThat(HttpStatusText.status(503)).isEqualTo("503 Service Unavailable");
    assertThat(HttpStatusText.status(299)).isEqualTo("299");
  }

  @Test
  void headerNamesAreCanonicalised() {
    assertThat(HttpStatusText.canonical("content-type")).isEqualTo("Content-Type");
    assertThat(HttpStatusText.canonical("X-REQUEST-ID")).isEqualTo("X-Request-Id");
    assertThat(HttpStatusText.canonical("etag")).isEqualTo("Etag");
    assertThat(HttpStatusText.canonical("bad header")).isEqualTo("bad header");
  }

  @Test
  void responseMetadataHasStatusAndJoinedHeaders() {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("content-type", List.of("text/plain"));
    headers.put("x-multi", List.of("a", "b"));
    headers.put("X-Multi", List.of("c"));
    headers.put(":status", List.of("200"));

    assertThat(HttpStatusText.responseMetadata(202, headers))
        .containsOnly(
            Map.entry("statusCode", "202"),
            Map.entry("status", "202 Accepted"),
            Map.entry("Content-Type", "text/plain"),
            Map.entry("X-Multi", "a, b, c"));
  }
}
