package io.tandem.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiTokenTest {
  @Test
  void noTokenConfiguredAcceptsEverything() {
    ApiToken t = new ApiToken(null);
    assertThat(t.enabled()).isFalse();
    assertThat(t.accepts(null)).isTrue();
  }

  @Test
  void configuredTokenAcceptsOnlyAnExactMatch() {
    ApiToken t = new ApiToken("s3cret");
    assertThat(t.accepts("s3cret")).isTrue();
    assertThat(t.accepts("s3cre")).isFalse();
    assertThat(t.accepts("s3cret ")).isFalse();
    assertThat(t.accepts("")).isFalse();
    assertThat(t.accepts(null)).isFalse();
    assertThat(ApiToken.rejected().error().httpStatus()).isEqualTo(401);
  }
}
