package io.tandem.components.postgresql.bindings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ParamsTest {
  @Test
  void aJsonArrayBecomesTheParameters() {
    Tuple t = Params.parse("[\"x\", 42, 1.25, true, null, {\"a\":1}, [1,2], 12345678901234567890]");

    assertThat(t.size()).isEqualTo(8);
    assertThat(t.getValue(0)).isEqualTo("x");
    assertThat(t.getValue(1)).isEqualTo(42L);
    assertThat(t.getValue(2)).isEqualTo(new BigDecimal("1.25"));
    assertThat(t.getValue(3)).isEqualTo(true);
    assertThat(t.getValue(4)).isNull();
    assertThat(t.getValue(5)).isEqualTo(new JsonObject().put("a", 1));
    assertThat(t.getValue(6)).isInstanceOf(JsonArray.class);
    assertThat(t.getValue(7)).isEqualTo(new BigDecimal("12345678901234567890"));
  }

  @Test
  void noParamsIsAnEmptyTuple() {
    assertThat(Params.parse(null).size()).isZero();
    assertThat(Params.parse("  ").size()).isZero();
    assertThat(Params.parse("[]").size()).isZero();
  }

  @Test
  void anythingButAJsonArrayIsRefusedNamingTheKey() {
    for (String bad : new String[] {"{\"a\":1}", "42", "\"x\"", "[1, 2", "not json"}) {
      assertThatThrownBy(() -> Params.parse(bad))
          .isInstanceOf(ComponentException.class)
          .hasMessageContaining("'params'");
    }
  }

  @Test
  void stringsBecomeTimestampsDatesAndTimes() {
    Tuple t =
        Params.parse(
            "[\"2024-01-02T03:04:05Z\", \"2024-01-02 03:04:05+05\", \"2024-01-02T03:04:05\","
                + " \"2024-01-02\"]");

    assertThat(t.getOffsetDateTime(0))
        .isEqualTo(OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC));
    assertThat(t.getOffsetDateTime(1))
        .isEqualTo(OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.ofHours(5)));
    assertThat(t.getOffsetDateTime(2))
        .isEqualTo(OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC));
    assertThat(t.getLocalDateTime(1)).isEqualTo(LocalDateTime.of(2024, 1, 2, 3, 4, 5));
    assertThat(t.getLocalDate(3)).isEqualTo(LocalDate.of(2024, 1, 2));
    assertThatThrownBy(() -> Params.parse("[\"soon\"]").getOffsetDateTime(0))
        .isInstanceOf(ClassCastException.class);
  }

  @Test
  void integersMustFitAndBeWhole() {
    Tuple t = Params.parse("[7, 1.0, 1.5, 3000000000, \"12\"]");

    assertThat(t.getInteger(0)).isEqualTo(7);
    assertThat(t.getInteger(1)).isEqualTo(1);
    assertThatThrownBy(() -> t.getInteger(2)).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> t.getInteger(3)).isInstanceOf(ClassCastException.class);
    assertThat(t.getLong(3)).isEqualTo(3_000_000_000L);
    assertThat(t.getShort(4)).isEqualTo((short) 12);
  }

  @Test
  void otherConversions() {
    Tuple t = Params.parse("[\"t\", \"\\\\x0aff\", \"3.14\", \"abc\"]");

    assertThat(t.getBoolean(0)).isTrue();
    assertThat(t.getBuffer(1).getBytes()).containsExactly(0x0a, 0xff);
    assertThat(t.getNumeric(2).bigDecimalValue()).isEqualTo(new BigDecimal("3.14"));
    assertThat(t.getDouble(2)).isEqualTo(3.14);
    assertThat(t.getBuffer(3).getBytes()).containsExactly('a', 'b', 'c');
  }

  @Test
  void jsonArraysBecomeTypedArrays() {
    Tuple t = Params.parse("[[1, 2, null], [\"a\", \"b\"], [\"2024-01-02\"]]");

    assertThat(Arrays.asList(t.getArrayOfLongs(0))).containsExactly(1L, 2L, null);
    assertThat(Arrays.asList(t.getArrayOfIntegers(0))).containsExactly(1, 2, null);
    assertThat(t.getArrayOfStrings(1)).containsExactly("a", "b");
    assertThat(t.getArrayOfLocalDates(2)).containsExactly(LocalDate.of(2024, 1, 2));
    assertThat(t.getJson(0)).isInstanceOf(JsonArray.class);
  }
}
