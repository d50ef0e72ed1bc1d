package io.tandem.components.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code ttlInSeconds} rules, as Dapr applies them. */
class StateTtlTest {

  @Test
  void absentEmptyZeroAndMinusOneMeanNoTtl() {
    assertThat(StateTtl.parse(Map.of())).isEmpty();
    assertThat(StateTtl.parse(Map.of("ttlInSeconds", ""))).isEmpty();
    assertThat(StateTtl.parse(Map.of("ttlInSeconds", "0"))).isEmpty();
    assertThat(StateTtl.parse(Map.of("ttlInSeconds", "-1"))).isEmpty();
  }

  @Test
  void aPositiveTtlIsReturned() {
    assertThat(StateTtl.parse(Map.of("ttlInSeconds", "60"))).hasValue(60);
    assertThat(StateTtl.parse(Map.of("ttlInSeconds", "2147483647"))).hasValue(Integer.MAX_VALUE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "1.5", "-2", "2147483648", "99999999999999999999"})
  void otherValuesAreRefused(String value) {
    assertThatThrownBy(() -> StateTtl.parse(Map.of("ttlInSeconds", value)))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT))
        .hasMessageContaining("ttlInSeconds");
  }

  @Test
  void expiryIsNowPlusTheTtl() {
    assertThat(StateTtl.expiryMillis(Map.of("ttlInSeconds", "10"), 1_000L)).isEqualTo(11_000L);
    assertThat(StateTtl.expiryMillis(Map.of(), 1_000L)).isZero();
  }

  @Test
  void responseMetadataCarriesAnRfc3339ExpiryOnlyWhenThereIsOne() {
    long expiry = Instant.parse("2030-05-06T07:08:09.123Z").toEpochMilli();

    String text = StateTtl.responseMetadata(expiry).get(StateStore.TTL_EXPIRE_TIME);

    assertThat(OffsetDateTime.parse(text).toInstant().toEpochMilli()).isEqualTo(expiry);
    assertThat(text).endsWith("Z");
    assertThat(StateTtl.responseMetadata(0)).isEmpty();
  }
}
