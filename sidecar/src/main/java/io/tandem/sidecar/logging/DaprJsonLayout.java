package io.tandem.sidecar.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;
import java.util.Locale;

/**
 * One JSON object per line in the shape daprd writes with {@code --log-as-json}: {@code time},
 * {@code level}, {@code type}, {@code msg}, {@code scope}, {@code app_id}, {@code instance}, {@code
 * ver}; plus {@code error} with the stack trace when there is one.
 */
public final class DaprJsonLayout extends LayoutBase<ILoggingEvent> {
  private final String appId;
  private final String instance;
  private final String version;

  public DaprJsonLayout(String appId, String instance, String version) {
    this.appId = appId;
    this.instance = instance;
    this.version = version;
  }

  @Override
  public String doLayout(ILoggingEvent e) {
    StringBuilder sb = new StringBuilder(256).append('{');
    field(sb, "time", Instant.ofEpochMilli(e.getTimeStamp()).toString()).append(',');
    field(sb, "level", e.getLevel().toString().toLowerCase(Locale.ROOT)).append(',');
    field(sb, "type", "log").append(',');
    field(sb, "msg", e.getFormattedMessage()).append(',');
    field(sb, "scope", e.getLoggerName()).append(',');
    field(sb, "app_id", appId).append(',');
    field(sb, "instance", instance).append(',');
    field(sb, "ver", version);
    IThrowableProxy t = e.getThrowableProxy();
    if (t != null) {
      sb.append(',');
      field(sb, "error", ThrowableProxyUtil.asString(t));
    }
    return sb.append("}\n").toString();
  }

  private static StringBuilder field(StringBuilder sb, String name, String value) {
    sb.append('"').append(name).append("\":\"");
    JsonStringEncoder.getInstance().quoteAsString(value == null ? "" : value, sb);
    return sb.append('"');
  }
}
