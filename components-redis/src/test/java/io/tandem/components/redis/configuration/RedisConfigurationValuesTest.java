package io.tandem.components.redis.configuration;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedisConfigurationValuesTest {
  @Test
  void aValueIsSplitAtItsFirstSeparator() {
    assertThat(RedisConfigurationStore.parse("on||7").value()).isEqualTo("on");
    assertThat(RedisConfigurationStore.parse("on||7").version()).isEqualTo("7");
    assertThat(RedisConfigurationStore.parse("plain").version()).isEmpty();
    assertThat(RedisConfigurationStore.parse("a||b||c").value()).isEqualTo("a");
    assertThat(RedisConfigurationStore.parse("a||b||c").version()).isEqualTo("b||c");
  }

  @Test
  void onlyMissingNotificationFlagsAreAdded() {
    assertThat(KeyspaceSubscriber.missingFlags("")).isEqualTo("Kg$xe");
    assertThat(KeyspaceSubscriber.missingFlags("AK")).isEmpty();
    assertThat(KeyspaceSubscriber.missingFlags("AKE")).isEmpty();
    assertThat(KeyspaceSubscriber.missingFlags("Ex")).isEqualTo("Kg$e");
    assertThat(KeyspaceSubscriber.missingFlags("g$xK")).isEmpty();
    assertThat(KeyspaceSubscriber.missingFlags("A")).isEqualTo("K");
  }
}
