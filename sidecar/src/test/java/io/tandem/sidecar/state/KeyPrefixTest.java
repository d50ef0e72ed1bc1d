package io.tandem.sidecar.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.sidecar.api.ApiException;
import org.junit.jupiter.api.Test;

class KeyPrefixTest {
  @Test
  void defaultPrefixIsTheAppId() {
    KeyPrefix p = KeyPrefix.of(null, "orders", "store", "");
    assertThat(p.apply("k")).isEqualTo("orders||k");
    assertThat(p.strip("orders||k")).isEqualTo("k");
  }

  @Test
  void nameNamespaceNoneAndCustom() {
    assertThat(KeyPrefix.of("name", "orders", "store", "").apply("k")).isEqualTo("store||k");
    assertThat(KeyPrefix.of("namespace", "orders", "store", "prod").apply("k"))
        .isEqualTo("prod.orders||k");
    assertThat(KeyPrefix.of("namespace", "orders", "store", "").apply("k")).isEqualTo("orders||k");
    assertThat(KeyPrefix.of("none", "orders", "store", "").apply("a||b")).isEqualTo("a||b");
    assertThat(KeyPrefix.of("shared", "orders", "store", "").apply("k")).isEqualTo("shared||k");
  }

  @Test
  void refusesEmptyKeysAndTheSeparatorWhenPrefixed() {
    KeyPrefix p = KeyPrefix.of("appid", "orders", "store", "");
    assertThatThrownBy(() -> p.apply("")).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> p.apply("a||b"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("can't contain '||'");
  }
}
