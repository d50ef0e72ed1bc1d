package io.tandem.components.postgresql.bindings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.components.ComponentException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import io.vertx.sqlclient.impl.ArrayTuple;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code params} request metadata: a JSON array whose elements become the statement's {@code
 * $1..$n}, always bound as parameters and never written into the SQL text.
 *
 * <p>JSON gives each value a type (string, number, boolean, null, object, array) while the server
 * decides each parameter's type from the statement. Like pgx, which Dapr uses and which sends text
 * for the server to read, a value is converted to the parameter's type where that is unambiguous: a
 * string to a timestamp, date, time, number, boolean, UUID or bytea (hex {@code \x...} or the
 * string's bytes), an integral number to any integer type (refused when it does not fit), a JSON
 * array to a PostgreSQL array of any of those. Objects and arrays go to {@code json}/{@code jsonb}
 * parameters as JSON; a string given to a {@code json} parameter is a JSON string. A date-time
 * without an offset given to {@code timestamptz} is read as UTC.
 *
 * <p>The conversion happens where the Vert.x client reads each parameter from the tuple by the type
 * the server described, which is why {@link ParamTuple} extends the client's tuple class.
 */
final class Params {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private Params() {}

  /**
   * The tuple for {@code params} (empty when null or blank).
   *
   * @throws ComponentException INVALID_ARGUMENT naming {@code params} when it is not a JSON array
   */
  static Tuple parse(String params) {
    ParamTuple t = new ParamTuple();
    if (params == null || params.isBlank()) {
      return t;
    }
    JsonNode root;
    try {
      root = JSON.readTree(params);
    } catch (JsonProcessingException e) {
      throw notAnArray();
    }
    if (root == null || !root.isArray()) {
      throw notAnArray();
    }
    for (JsonNode n : root) {
      t.addValue(value(n));
    }
    return t;
  }

  private static ComponentException notAnArray() {
    return ComponentException.invalid(
        "metadata 'params' must be a JSON array of the statement's parameters, such as"
            + " [\"x\", 42, true, null]");
  }

  private static Object value(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return null;
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? (Object) n.longValue() : new BigDecimal(n.bigIntegerValue());
    }
    if (n.isNumber()) {
      return n.decimalValue();
    }
    if (n.isTextual()) {
      return n.textValue();
    }
    if (n.isArray()) {
      return new JsonArray(n.toString());
    }
    return new JsonObject(n.toString());
  }

  /** A tuple that converts its values to the type the server described for each parameter. */
  static final class ParamTuple extends ArrayTuple {
    /** A time of day followed by an offset of whole hours, as PostgreSQL writes "+05". */
    private static final Pattern OFFSET_HOURS =
        Pattern.compile(".*\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?[+-]\\d{2}$");

    private static final Pattern DATE_TIME_SPACE =
        Pattern.compile("^(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:.*)$");

    ParamTuple() {
      super(8);
    }

    private static ClassCastException cannot(Object value, String type) {
      return new ClassCastException(
          "cannot use " + value.getClass().getSimpleName() + " value as " + type);
    }

    private static String text(Object v) {
      return v instanceof String s ? s.trim() : null;
    }

    // ---- scalars ----

    @Override
    public Boolean getBoolean(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        switch (s.toLowerCase(Locale.ROOT)) {
          case "true", "t", "yes", "y", "on", "1":
            return true;
          case "false", "f", "no", "n", "off", "0":
            return false;
          default:
            throw cannot(v, "boolean");
        }
      }
      return super.getBoolean(pos);
    }

    /** An integral value within [min, max], from a number or a string. */
    private long integral(int pos, long min, long max, String type) {
      Object v = getValue(pos);
      BigDecimal d;
      if (v instanceof Long || v instanceof Integer || v instanceof Short) {
        d = BigDecimal.valueOf(((Number) v).longValue());
      } else if (v instanceof BigDecimal b) {
        d = b;
      } else if (v instanceof Number n) {
        d = new BigDecimal(n.toString());
      } else if (text(v) != null) {
        try {
          d = new BigDecimal(text(v));
        } catch (NumberFormatException e) {
          throw cannot(v, type);
        }
      } else {
        throw cannot(v, type);
      }
      try {
        BigInteger i = d.toBigIntegerExact();
        if (i.compareTo(BigInteger.valueOf(min)) < 0 || i.compareTo(BigInteger.valueOf(max)) > 0) {
          throw new ClassCastException(type + " out of range: " + d);
        }
        return i.longValue();
      } catch (ArithmeticException e) {
        throw new ClassCastException("not an integer: " + d);
      }
    }

    @Override
    public Short getShort(int pos) {
      return getValue(pos) == null
          ? null
          : (short) integral(pos, Short.MIN_VALUE, Short.MAX_VALUE, "smallint");
    }

    @Override
    public Integer getInteger(int pos) {
      return getValue(pos) == null
          ? null
          : (int) integral(pos, Integer.MIN_VALUE, Integer.MAX_VALUE, "integer");
    }

    @Override
    public Long getLong(int pos) {
      return getValue(pos) == null ? null : integral(pos, Long.MIN_VALUE, Long.MAX_VALUE, "bigint");
    }

    @Override
    public Float getFloat(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        try {
          return Float.parseFloat(s);
        } catch (NumberFormatException e) {
          throw cannot(v, "real");
        }
      }
      return super.getFloat(pos);
    }

    @Override
    public Double getDouble(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        try {
          return Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw cannot(v, "double precision");
        }
      }
      return super.getDouble(pos);
    }

    @Override
    public Numeric getNumeric(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        try {
          return Numeric.parse(s);
        } catch (NumberFormatException e) {
          throw cannot(v, "numeric");
        }
      }
      return super.getNumeric(pos);
    }

    @Override
    public BigDecimal getBigDecimal(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        try {
          return new BigDecimal(s);
        } catch (NumberFormatException e) {
          throw cannot(v, "numeric");
        }
      }
      return super.getBigDecimal(pos);
    }

    @Override
    public Buffer getBuffer(int pos) {
      Object v = getValue(pos);
      if (v instanceof String s) {
        if (s.startsWith("\\x")) {
          try {
            return Buffer.buffer(HexFormat.of().parseHex(s.substring(2)));
          } catch (IllegalArgumentException e) {
            throw cannot(v, "bytea");
          }
        }
        return Buffer.buffer(s.getBytes(StandardCharsets.UTF_8));
      }
      return super.getBuffer(pos);
    }

    // ---- dates and times: ISO 8601, or PostgreSQL's "2024-01-02 03:04:05+00" ----

    private static String isoDateTime(String s) {
      String t = s.trim();
      Matcher m = DATE_TIME_SPACE.matcher(t);
      if (m.matches()) {
        t = m.group(1) + "T" + m.group(2);
      }
      return isoOffset(t);
    }

    private static String isoOffset(String t) {
      // "+05" is PostgreSQL's way of writing "+05:00"
      return OFFSET_HOURS.matcher(t).matches() ? t + ":00" : t;
    }

    private static boolean hasOffset(String t) {
      return t.endsWith("Z") || t.endsWith("z") || t.matches(".*[T ].*[+-]\\d{2}(:?\\d{2})?$");
    }

    @Override
    public OffsetDateTime getOffsetDateTime(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        String t = isoDateTime(s);
        try {
          if (hasOffset(t)) {
            return OffsetDateTime.parse(t.endsWith("z") ? t.substring(0, t.length() - 1) + "Z" : t);
          }
          if (t.length() == 10) {
            return LocalDate.parse(t).atStartOfDay().atOffset(ZoneOffset.UTC);
          }
          return LocalDateTime.parse(t).atOffset(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
          throw cannot(v, "timestamp with time zone");
        }
      }
      return super.getOffsetDateTime(pos);
    }

    @Override
    public LocalDateTime getLocalDateTime(int pos) {
      Object v = getValue(pos);
      if (v instanceof String) {
        // as PostgreSQL reads text into a timestamp without time zone: any offset is ignored
        OffsetDateTime t = getOffsetDateTime(pos);
        return t.toLocalDateTime();
      }
      return super.getLocalDateTime(pos);
    }

    @Override
    public LocalDate getLocalDate(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        try {
          return s.length() == 10 ? LocalDate.parse(s) : getLocalDateTime(pos).toLocalDate();
        } catch (DateTimeParseException e) {
          throw cannot(v, "date");
        }
      }
      return super.getLocalDate(pos);
    }

    @Override
    public LocalTime getLocalTime(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        try {
          return LocalTime.parse(s);
        } catch (DateTimeParseException e) {
          throw cannot(v, "time");
        }
      }
      return super.getLocalTime(pos);
    }

    @Override
    public OffsetTime getOffsetTime(int pos) {
      Object v = getValue(pos);
      String s = text(v);
      if (s != null) {
        try {
          return OffsetTime.parse(isoOffset(s));
        } catch (DateTimeParseException e) {
          throw cannot(v, "time with time zone");
        }
      }
      return super.getOffsetTime(pos);
    }

    // ---- arrays: a JSON array, element by element ----

    private <T> T[] array(
        int pos, IntFunction<T[]> make, BiFunction<ParamTuple, Integer, T> element) {
      JsonArray a = (JsonArray) getValue(pos);
      T[] out = make.apply(a.size());
      ParamTuple one = new ParamTuple();
      for (int i = 0; i < a.size(); i++) {
        Object e = a.getValue(i);
        if (e instanceof JsonArray || e instanceof JsonObject) {
          throw new ClassCastException("nested arrays and objects are not array elements");
        }
        one.clear();
        one.addValue(e instanceof Integer n ? (Object) n.longValue() : e);
        out[i] = e == null ? null : element.apply(one, 0);
      }
      return out;
    }

    private boolean isJsonArray(int pos) {
      return getValue(pos) instanceof JsonArray;
    }

    @Override
    public String[] getArrayOfStrings(int pos) {
      if (isJsonArray(pos)) {
        return array(pos, String[]::new, (t, i) -> String.valueOf(t.getValue(i)));
      }
      return super.getArrayOfStrings(pos);
    }

    @Override
    public Boolean[] getArrayOfBooleans(int pos) {
      return isJsonArray(pos)
          ? array(pos, Boolean[]::new, ParamTuple::getBoolean)
          : super.getArrayOfBooleans(pos);
    }

    @Override
    public Short[] getArrayOfShorts(int pos) {
      return isJsonArray(pos)
          ? array(pos, Short[]::new, ParamTuple::getShort)
          : super.getArrayOfShorts(pos);
    }

    @Override
    public Integer[] getArrayOfIntegers(int pos) {
      return isJsonArray(pos)
          ? array(pos, Integer[]::new, ParamTuple::getInteger)
          : super.getArrayOfIntegers(pos);
    }

    @Override
    public Long[] getArrayOfLongs(int pos) {
      return isJsonArray(pos)
          ? array(pos, Long[]::new, ParamTuple::getLong)
          : super.getArrayOfLongs(pos);
    }

    @Override
    public Float[] getArrayOfFloats(int pos) {
      return isJsonArray(pos)
          ? array(pos, Float[]::new, ParamTuple::getFloat)
          : super.getArrayOfFloats(pos);
    }

    @Override
    public Double[] getArrayOfDoubles(int pos) {
      return isJsonArray(pos)
          ? array(pos, Double[]::new, ParamTuple::getDouble)
          : super.getArrayOfDoubles(pos);
    }

    @Override
    public Numeric[] getArrayOfNumerics(int pos) {
      return isJsonArray(pos)
          ? array(pos, Numeric[]::new, ParamTuple::getNumeric)
          : super.getArrayOfNumerics(pos);
    }

    @Override
    public UUID[] getArrayOfUUIDs(int pos) {
      return isJsonArray(pos)
          ? array(pos, UUID[]::new, ParamTuple::getUUID)
          : super.getArrayOfUUIDs(pos);
    }

    @Override
    public LocalDate[] getArrayOfLocalDates(int pos) {
      return isJsonArray(pos)
          ? array(pos, LocalDate[]::new, ParamTuple::getLocalDate)
          : super.getArrayOfLocalDates(pos);
    }

    @Override
    public LocalDateTime[] getArrayOfLocalDateTimes(int pos) {
      return isJsonArray(pos)
          ? array(pos, LocalDateTime[]::new, ParamTuple::getLocalDateTime)
          : super.getArrayOfLocalDateTimes(pos);
    }

    @Override
    public OffsetDateTime[] getArrayOfOffsetDateTimes(int pos) {
      return isJsonArray(pos)
          ? array(pos, OffsetDateTime[]::new, ParamTuple::getOffsetDateTime)
          : super.getArrayOfOffsetDateTimes(pos);
    }

    /** The values, for tests. */
    List<Object> values() {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < size(); i++) {
        out.add(getValue(i));
      }
      return out;
    }
  }
}
