package io.tandem.components.redis.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HashSlotsTest {
  @Test
  void slotsAreRedisClusters() {
    // CLUSTER KEYSLOT answers, from the Redis documentation and a real server.
    assertThat(HashSlots.slot("foo")).isEqualTo(12182);
    assertThat(HashSlots.slot("123456789")).isEqualTo(0x31C3 % 16384);
    assertThat(HashSlots.slot("{user1000}.following")).isEqualTo(HashSlots.slot("user1000"));
  }

  @Test
  void onlyANonEmptyFirstHashTagCounts() {
    assertThat(HashSlots.slot("foo{}{bar}")).isNotEqualTo(HashSlots.slot("bar"));
    assertThat(HashSlots.slot("foo{{bar}}zap")).isEqualTo(HashSlots.slot("{bar"));
    assertThat(HashSlots.slot("foo{bar}{zap}")).isEqualTo(HashSlots.slot("bar"));
    assertThat(HashSlots.slot("app||{order-1}a")).isEqualTo(HashSlots.slot("app||{order-1}b"));
  }

  @Test
  void everySlotHasATagThatLandsInIt() {
    for (int slot = 0; slot < HashSlots.SLOTS; slot++) {
      assertThat(HashSlots.slot("x:{" + HashSlots.tagFor(slot) + "}")).isEqualTo(slot);
    }
  }
}
