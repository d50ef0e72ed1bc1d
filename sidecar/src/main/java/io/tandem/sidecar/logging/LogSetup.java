package io.tandem.sidecar.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** Configures logging from {@code --log-level} and {@code --log-as-json}, before anything logs. */
public final class LogSetup {
  private LogSetup() {}

  public static void configure(String level, boolean json, String appId, String version) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
    out.setContext(ctx);
    out.setName("console");
    if (json) {
      LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
      DaprJsonLayout layout = new DaprJsonLayout(appId, hostname(), version);
      layout.setContext(ctx);
      layout.start();
      enc.setLayout(layout);
      enc.setContext(ctx);
      enc.start();
      out.setEncoder(enc);
    } else {
      PatternLayoutEncoder enc = new PatternLayoutEncoder();
      enc.setContext(ctx);
      enc.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%logger] %msg%n%ex");
      enc.start();
      out.setEncoder(enc);
    }
    out.start();
    ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(out);
    Level lvl = parse(level);
    root.setLevel(lvl.isGreaterOrEqual(Level.WARN) ? lvl : Level.WARN);
    ctx.getLogger("tandem").setLevel(lvl);
    // Kafka's client warns on every reconnect attempt and on reused client ids; the component
    // reports the same trouble once, through healthz and the metadata API.
    for (String chatty :
        new String[] {
          "org.apache.kafka.clients.NetworkClient",
          "org.apache.kafka.common.utils.AppInfoParser",
          "org.apache.kafka.clients.admin.internals.AdminMetadataManager"
        }) {
      ctx.getLogger(chatty).setLevel(Level.ERROR);
    }
  }

  static Level parse(String level) {
    return switch (level == null ? "info" : level.toLowerCase(Locale.ROOT)) {
      case "debug" -> Level.DEBUG;
      case "info" -> Level.INFO;
      case "warn", "warning" -> Level.WARN;
      case "error", "fatal" -> Level.ERROR;
      default ->
          throw new IllegalArgumentException(
              "--log-level must be debug, info, warn, error or fatal; got " + level);
    };
  }

  private static String hostname() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }
}
