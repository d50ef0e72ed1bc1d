package io.tandem.components.bindings.cron;

import io.tandem.components.Durations;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A schedule in the syntax of Dapr's cron binding (the {@code robfig/cron} dialect):
 *
 * <ul>
 *   <li>six fields {@code second minute hour day-of-month month day-of-week}, or the usual five
 *       without seconds (seconds are then 0). Each field is a comma-separated list of {@code *} (or
 *       {@code ?}), {@code n}, {@code a-b}, optionally followed by {@code /step}; {@code n/step}
 *       means from n to the field's maximum. Months and days of the week may be named ({@code jan},
 *       {@code mon}); day of week runs 0 to 7, both 0 and 7 meaning Sunday. When both day fields
 *       are restricted, a day matching either fires (as in Vixie cron);
 *   <li>descriptors {@code @yearly} ({@code @annually}), {@code @monthly}, {@code @weekly}, {@code
 *       @daily} ({@code @midnight}), {@code @hourly}, and {@code @every <duration>} ({@code 1h30m},
 *       {@code 15s}, {@code 500ms}), which fires at that interval from when reading starts;
 *   <li>an optional {@code CRON_TZ=<zone>} or {@code TZ=<zone>} prefix; otherwise times are in the
 *       sidecar's local time zone.
 * </ul>
 */
public final class CronSchedule {
  private static final long STAR = 1L << 63;
  private static final int SEARCH_YEARS = 5;

  private record Bounds(int min, int max, Map<String, Integer> names) {}

  private static final Bounds SECONDS = new Bounds(0, 59, Map.of());
  private static final Bounds MINUTES = new Bounds(0, 59, Map.of());
  private static final Bounds HOURS = new Bounds(0, 23, Map.of());
  private static final Bounds DOM = new Bounds(1, 31, Map.of());
  private static final Bounds MONTHS =
      new Bounds(
          1,
          12,
          Map.ofEntries(
              Map.entry("jan", 1),
              Map.entry("feb", 2),
              Map.entry("mar", 3),
              Map.entry("apr", 4),
              Map.entry("may", 5),
              Map.entry("jun", 6),
              Map.entry("jul", 7),
              Map.entry("aug", 8),
              Map.entry("sep", 9),
              Map.entry("oct", 10),
              Map.entry("nov", 11),
              Map.entry("dec", 12)));
  // 7 is accepted as Sunday and folded onto 0
  private static final Bounds DOW =
      new Bounds(
          0, 7, Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6));

  private final String text;
  private final ZoneId zone;
  private final Duration every;
  private final long second;
  private final long minute;
  private final long hour;
  private final long dom;
  private final long month;
  private final long dow;

  private CronSchedule(
      String text,
      ZoneId zone,
      Duration every,
      long second,
      long minute,
      long hour,
      long dom,
      long month,
      long dow) {
    this.text = text;
    this.zone = zone;
    this.every = every;
    this.second = second;
    this.minute = minute;
    this.hour = hour;
    this.dom = dom;
    this.month = month;
    this.dow = dow;
  }

  /**
   * Parses {@code text}; times without a {@code CRON_TZ=} prefix are in {@code defaultZone}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static CronSchedule parse(String text, ZoneId defaultZone) {
    String spec = text == null ? "" : text.trim();
    if (spec.isEmpty()) {
      throw new IllegalArgumentException("empty schedule");
    }
    ZoneId zone = defaultZone;
    if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
      int space = spec.indexOf(' ');
      if (space < 0) {
        throw new IllegalArgumentException("a time zone prefix needs a schedule after it");
      }
      String id = spec.substring(spec.indexOf('=') + 1, space);
      try {
        zone = ZoneId.of(id);
      } catch (DateTimeException e) {
        throw new IllegalArgumentException("unknown time zone " + id);
      }
      spec = spec.substring(space).trim();
    }
    if (spec.startsWith("@")) {
      return descriptor(text, spec, zone);
    }
    List<String> fields = List.of(spec.split("\\s+"));
    if (fields.size() == 5) {
      fields = new java.util.ArrayList<>(fields);
      fields.add(0, "0");
    } else if (fields.size() != 6) {
      throw new IllegalArgumentException(
          "expected 5 or 6 fields (optional seconds, minute, hour, day of month, month, day of"
              + " week), found "
              + fields.size());
    }
    long dowBits = field(fields.get(5), DOW);
    if ((dowBits & (1L << 7)) != 0) {
      dowBits = (dowBits & ~(1L << 7)) | 1L;
    }
    return new CronSchedule(
        text,
        zone,
        null,
        field(fields.get(0), SECONDS),
        field(fields.get(1), MINUTES),
        field(fields.get(2), HOURS),
        field(fields.get(3), DOM),
        field(fields.get(4), MONTHS),
        dowBits);
  }

  private static CronSchedule descriptor(String text, String spec, ZoneId zone) {
    long allDom = bits(1, 31, 1) | STAR;
    long allMonths = bits(1, 12, 1) | STAR;
    long allDow = bits(0, 6, 1) | STAR;
    long allHours = bits(0, 23, 1) | STAR;
    switch (spec) {
      case "@yearly", "@annually":
        return new CronSchedule(text, zone, null, 1, 1, 1, 1L << 1, 1L << 1, allDow);
      case "@monthly":
        return new CronSchedule(text, zone, null, 1, 1, 1, 1L << 1, allMonths, allDow);
      case "@weekly":
        return new CronSchedule(text, zone, null, 1, 1, 1, allDom, allMonths, 1);
      case "@daily", "@midnight":
        return new CronSchedule(text, zone, null, 1, 1, 1, allDom, allMonths, allDow);
      case "@hourly":
        return new CronSchedule(text, zone, null, 1, 1, allHours, allDom, allMonths, allDow);
      default:
        break;
    }
    if (spec.startsWith("@every ")) {
      String d = spec.substring("@every ".length()).trim();
      Duration every;
      try {
        every = Durations.parse(d);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("@every needs a duration such as 15s or 1h30m: " + d);
      }
      if (every.isNegative() || every.isZero()) {
        throw new IllegalArgumentException("@every needs a positive duration: " + d);
      }
      return new CronSchedule(text, zone, every, 0, 0, 0, 0, 0, 0);
    }
    throw new IllegalArgumentException("unrecognized descriptor: " + spec);
  }

  private static long field(String field, Bounds b) {
    long result = 0;
    for (String range : field.split(",")) {
      if (range.isEmpty()) {
        continue;
      }
      result |= range(range, b);
    }
    if (result == 0) {
      throw new IllegalArgumentException("empty field: '" + field + "'");
    }
    return result;
  }

  private static long range(String expr, Bounds b) {
    String[] rangeAndStep = expr.split("/", -1);
    if (rangeAndStep.length > 2) {
      throw new IllegalArgumentException("too many slashes: " + expr);
    }
    String[] lowHigh = rangeAndStep[0].split("-", -1);
    int start;
    int end;
    long extra = 0;
    if (lowHigh[0].equals("*") || lowHigh[0].equals("?")) {
      if (lowHigh.length > 1) {
        throw new IllegalArgumentException("a range cannot start with *: " + expr);
      }
      start = b.min();
      end = b == DOW ? 6 : b.max();
      extra = STAR;
    } else {
      start = number(lowHigh[0], b, expr);
      if (lowHigh.length == 1) {
        end = start;
      } else if (lowHigh.length == 2) {
        end = number(lowHigh[1], b, expr);
      } else {
        throw new IllegalArgumentException("too many hyphens: " + expr);
      }
    }
    int step = 1;
    if (rangeAndStep.length == 2) {
      step = number(rangeAndStep[1], null, expr);
      if (lowHigh.length == 1 && extra == 0) {
        end = b == DOW ? 6 : b.max();
      }
      if (step > 1) {
        extra = 0;
      }
    }
    if (start < b.min()) {
      throw new IllegalArgumentException(
          "beginning of range (" + start + ") below minimum (" + b.min() + "): " + expr);
    }
    if (end > b.max()) {
      throw new IllegalArgumentException(
          "end of range (" + end + ") above maximum (" + b.max() + "): " + expr);
    }
    if (start > end) {
      throw new IllegalArgumentException(
          "beginning of range (" + start + ") beyond end of range (" + end + "): " + expr);
    }
    if (step < 1) {
      throw new IllegalArgumentException("step of range should be a positive number: " + expr);
    }
    return bits(start, end, step) | extra;
  }

  private static int number(String s, Bounds b, String expr) {
    if (b != null) {
      Integer named = b.names().get(s.toLowerCase(Locale.ROOT));
      if (named != null) {
        return named;
      }
    }
    try {
      int n = Integer.parseInt(s);
      if (n < 0) {
        throw new IllegalArgumentException("negative number (" + n + ") not allowed: " + expr);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: '" + s + "' in " + expr);
    }
  }

  private static long bits(int min, int max, int step) {
    long bits = 0;
    for (int i = min; i <= max; i += step) {
      bits |= 1L << i;
    }
    return bits;
  }

  /** The schedule as written. */
  public String text() {
    return text;
  }

  /** The time zone the fields are read in. */
  public ZoneId zone() {
    return zone;
  }

  /** The interval of an {@code @every} schedule, else null. */
  public Duration interval() {
    return every;
  }

  /**
   * The first firing strictly after {@code after}, or null when there is none within five years
   * (such as {@code 0 0 0 30 2 *}, February 30th). Whole seconds, except for {@code @every}, which
   * is simply {@code after} plus its interval.
   */
  public Instant next(Instant after) {
    if (every != null) {
      return after.plus(every);
    }
    // the next whole second after `after`
    Instant from = after.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    LocalDateTime t = LocalDateTime.ofInstant(from, zone);
    int limitYear = t.getYear() + SEARCH_YEARS;
    while (t.getYear() <= limitYear) {
      if (!has(month, t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
        continue;
      }
      if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
        continue;
      }
      if (!has(hour, t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
        continue;
      }
      if (!has(minute, t.getMinute())) {
        t = t.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        continue;
      }
      if (!has(second, t.getSecond())) {
        t = t.plusSeconds(1);
        continue;
      }
      // A local time repeated by a DST overlap fires once, at its first occurrence; one skipped
      // by a gap does not fire.
      LocalDateTime local = t;
      Instant first =
          zone.getRules().getValidOffsets(t).stream()
              .map(local::toInstant)
              .min(Instant::compareTo)
              .orElse(null);
      if (first != null && first.isAfter(after)) {
        return first;
      }
      t = t.plusSeconds(1);
    }
    return null;
  }

  private boolean dayMatches(LocalDateTime t) {
    boolean domMatch = has(dom, t.getDayOfMonth());
    boolean dowMatch = has(dow, t.getDayOfWeek().getValue() % 7);
    if ((dom & STAR) != 0 || (dow & STAR) != 0) {
      return domMatch && dowMatch;
    }
    return domMatch || dowMatch;
  }

  private static boolean has(long bits, int value) {
    return (bits & (1L << value)) != 0;
  }

  @Override
  public String toString() {
    return text;
  }
}
