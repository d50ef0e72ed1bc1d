package io.tandem.components.kafka;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;

/**
 * Quiets the kafka-clients loggers that repeat themselves while the component already reports the
 * problem through {@code trouble()}: the network client warns on every reconnect attempt to a dead
 * broker, and every client start logs its whole configuration and version.
 *
 * <p>Applied only when logback is the SLF4J backend (the sidecar's), and only to loggers that have
 * no level of their own, so an operator's logback configuration always wins. Done through
 * reflection so that the component does not depend on logback.
 */
final class KafkaClientLogging {
  /** Logger name to level: what Tandem sets unless configured otherwise. */
  static final Map<String, String> LEVELS =
      Map.of(
          "org.apache.kafka.clients.NetworkClient", "ERROR",
          "org.apache.kafka.common.utils.AppInfoParser", "ERROR",
          "org.apache.kafka.clients.admin.internals.AdminMetadataManager", "ERROR");

  /** The parent of them all: WARN, and when an operator set it, Tandem leaves every level alone. */
  static final String ROOT = "org.apache.kafka";

  private static final AtomicBoolean DONE = new AtomicBoolean();

  private KafkaClientLogging() {}

  static void quiet() {
    if (!DONE.compareAndSet(false, true)) {
      return;
    }
    try {
      Class<?> levelClass = Class.forName("ch.qos.logback.classic.Level");
      Method toLevel = levelClass.getMethod("toLevel", String.class);
      Object root = LoggerFactory.getLogger(ROOT);
      if (!root.getClass().getName().equals("ch.qos.logback.classic.Logger")) {
        return;
      }
      Method getLevel = root.getClass().getMethod("getLevel");
      Method setLevel = root.getClass().getMethod("setLevel", levelClass);
      if (getLevel.invoke(root) != null) {
        return;
      }
      setLevel.invoke(root, toLevel.invoke(null, "WARN"));
      for (Map.Entry<String, String> e : LEVELS.entrySet()) {
        Object logger = LoggerFactory.getLogger(e.getKey());
        if (getLevel.invoke(logger) == null) {
          setLevel.invoke(logger, toLevel.invoke(null, e.getValue()));
        }
      }
    } catch (ReflectiveOperationException | LinkageError e) {
      // another backend, or none: its own configuration applies
    }
  }
}
