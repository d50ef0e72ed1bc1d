package io.tandem.sidecar.invoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MethodPathTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "mymethod, mymethod, mymethod",
    "api/v1/users, api/v1/users, api/v1/users",
    "/orders, orders, orders",
    "orders/, orders, orders",
    "a//b///c, a/b/c, a/b/c",
    "admin/../public, public, public",
    "a/./b/., a/b, a/b",
    "a/%2e%2e/b, b, b",
    "a%2Fb, a/b, a/b",
    "a%2F..%2Fb, b, b",
    "a%20b, a b, a%20b",
    "test%25stream, test%stream, test%25stream",
    "caf%C3%A9, café, caf%C3%A9",
    "'a:b@c;d=e,f', 'a:b@c;d=e,f', 'a:b@c;d=e,f'",
    "'', '', ''",
  })
  void normalisesEncodedPaths(String raw, String decoded, String encoded) {
    MethodPath m = MethodPath.fromEncoded(raw);
    assertThat(m.decoded()).isEqualTo(decoded);
    assertThat(m.encoded()).isEqualTo(encoded);
  }

  @ParameterizedTest
  @ValueSource(strings = {"x%20y/%25/%5C/%22q%22", "a b/%E2%82%AC", "x/%2e%2e%2fy/z", "a;b=c/@:"})
  void whatTheAppReceivesDecodesToWhatWasChecked(String raw) {
    MethodPath m = MethodPath.fromEncoded(raw);
    assertThat(MethodPath.fromEncoded(m.encoded())).isEqualTo(m);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a%23b", // #
        "a%3Fb", // ?
        "a%3fb", "a%00b", // NUL
        "a%0Ab", // LF
        "a%0db", // CR
        "a%09b", // tab
        "a%7Fb", // DEL
        "a%1bb",
      })
  void refusesForbiddenCharactersOnceDecoded(String raw) {
    assertThatThrownBy(() -> MethodPath.fromEncoded(raw))
        .isInstanceOf(MethodPath.InvalidMethodException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", "../x", "a/../../x", "%2e%2e/etc/passwd", "a%2F..%2F..%2Fb"})
  void refusesClimbingAboveTheMethodRoot(String raw) {
    assertThatThrownBy(() -> MethodPath.fromEncoded(raw))
        .isInstanceOf(MethodPath.InvalidMethodException.class)
        .hasMessageContaining("above the method root");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a%", "a%2", "a%zz", "%C3%28"})
  void refusesMalformedEscapes(String raw) {
    assertThatThrownBy(() -> MethodPath.fromEncoded(raw))
        .isInstanceOf(MethodPath.InvalidMethodException.class);
  }

  @Test
  void decodedNamesFollowTheSameRules() {
    assertThat(MethodPath.fromDecoded("orders/a b").encoded()).isEqualTo("orders/a%20b");
    assertThat(MethodPath.fromDecoded("100%").encoded()).isEqualTo("100%25");
    assertThatThrownBy(() -> MethodPath.fromDecoded("a#b"))
        .isInstanceOf(MethodPath.InvalidMethodException.class);
    assertThatThrownBy(() -> MethodPath.fromDecoded("a\u0000b"))
        .isInstanceOf(MethodPath.InvalidMethodException.class);
    assertThatThrownBy(() -> MethodPath.fromDecoded("../admin"))
        .isInstanceOf(MethodPath.InvalidMethodException.class);
  }
}
