package io.tandem.components.postgresql.bindings;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.data.Interval;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * Query results as Dapr's binding returns them: a JSON array with one array of column values per
 * row. Numbers are JSON numbers (NaN and infinities as strings), {@code json}/{@code jsonb} values
 * are embedded as JSON, {@code bytea} is base64 (as Go encodes bytes), timestamps are ISO 8601
 * ({@code timestamptz} with its offset), arrays are JSON arrays, and anything else is its text.
 */
final class RowsJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private RowsJson() {}

  static byte[] write(Iterable<Row> rows) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartArray();
      for (Row row : rows) {
        g.writeStartArray();
        for (int i = 0; i < row.size(); i++) {
          value(g, row.getValue(i));
        }
        g.writeEndArray();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void value(JsonGenerator g, Object v) throws IOException {
    if (v == null || v == Tuple.JSON_NULL) {
      g.writeNull();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Short || v instanceof Integer || v instanceof Long) {
      g.writeNumber(((Number) v).longValue());
    } else if (v instanceof Float || v instanceof Double) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        g.writeString(Double.toString(d));
      } else if (v instanceof Float f) {
        g.writeNumber(f);
      } else {
        g.writeNumber(d);
      }
    } else if (v instanceof Numeric n) {
      if (n.isNaN()) {
        g.writeString("NaN");
      } else {
        BigDecimal d = n.bigDecimalValue();
        if (d == null) {
          g.writeString(n.toString());
        } else {
          g.writeNumber(d);
        }
      }
    } else if (v instanceof BigDecimal d) {
      g.writeNumber(d);
    } else if (v instanceof BigInteger i) {
      g.writeNumber(i);
    } else if (v instanceof JsonObject o) {
      g.writeRawValue(o.encode());
    } else if (v instanceof JsonArray a) {
      g.writeRawValue(a.encode());
    } else if (v instanceof Buffer b) {
      g.writeString(Base64.getEncoder().encodeToString(b.getBytes()));
    } else if (v instanceof OffsetDateTime t) {
      g.writeString(t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    } else if (v instanceof LocalDateTime t) {
      g.writeString(t.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
    } else if (v instanceof Interval iv) {
      g.writeString(interval(iv));
    } else if (v instanceof Object[] array) {
      g.writeStartArray();
      for (Object e : array) {
        value(g, e);
      }
      g.writeEndArray();
    } else {
      // dates, times, UUIDs, network addresses, geometric types...: their text
      g.writeString(v.toString());
    }
  }

  /** ISO 8601: {@code P1Y2M3DT4H5M6.5S}. */
  private static String interval(Interval iv) {
    StringBuilder b = new StringBuilder("P");
    b.append(iv.getYears()).append('Y').append(iv.getMonths()).append('M');
    b.append(iv.getDays()).append("DT");
    b.append(iv.getHours()).append('H').append(iv.getMinutes()).append('M');
    BigDecimal seconds =
        BigDecimal.valueOf(iv.getSeconds())
            .add(BigDecimal.valueOf(iv.getMicroseconds(), 6))
            .stripTrailingZeros();
    return b.append(seconds.toPlainString()).append('S').toString();
  }
}
