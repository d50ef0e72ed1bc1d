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

  @Test
  void lockPrefixesFollowDaprsLockStrategy() {
    assertThat(KeyPrefix.forLock(null, "orders", "locks").prefixed("r"))
        .isEqualTo("lock||orders||r");
    assertThat(KeyPrefix.forLock("AppId", "orders", "locks").prefixed("r"))
        .isEqualTo("lock||orders||r");
    assertThat(KeyPrefix.forLock("appid", "", "locks").prefixed("r")).isEqualTo("lock||r");
    assertThat(KeyPrefix.forLock("name", "orders", "locks").prefixed("r"))
        .isEqualTo("lock||locks||r");
    assertThat(KeyPrefix.forLock("none", "orders", "locks").prefixed("r")).isEqualTo("lock||r");
    assertThat(KeyPrefix.forLock("Team-A", "orders", "locks").prefixed("r"))
        .as("a custom prefix is lower-cased, as Dapr does")
        .isEqualTo("lock||team-a||r");
    assertThat(KeyPrefix.forLock("namespace", "orders", "locks").prefixed("r"))
        .as("locks have no namespace strategy")
        .isEqualTo("lock||namespace||r");
  }

  @Test
  void lockPrefixesRefuseTheSeparator() {
    assertThatThrownBy(() -> KeyPrefix.forLock("a||b", "orders", "locks"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input key/keyPrefix 'a||b' can't contain '||'");
    assertThatThrownBy(() -> KeyPrefix.forLock("none", "orders", "locks").prefixed("x||y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input key/keyPrefix 'x||y' can't contain '||'");
  }
}
