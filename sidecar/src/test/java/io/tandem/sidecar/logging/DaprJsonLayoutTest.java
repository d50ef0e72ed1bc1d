package io.tandem.sidecar.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DaprJsonLayoutTest {
  @Test
  void writesOneJsonObjectPerLineInDaprsShape() throws Exception {
    LoggerContext ctx = new LoggerContext();
    LoggingEvent e =
        new LoggingEvent(
            "x",
            ctx.getLogger("tandem.sidecar.http"),
            Level.WARN,
            "quote \" and\nnewline {}",
            null,
            new Object[] {42});
    String line = new DaprJsonLayout("orders", "pod-1", "0.1.0").doLayout(e);
    assertThat(line).endsWith("}\n").doesNotContain("\n{");
    JsonNode j = new ObjectMapper().readTree(line);
    assertThat(j.path("level").asText()).isEqualTo("warn");
    assertThat(j.path("msg").asText()).isEqualTo("quote \" and\nnewline 42");
    assertThat(j.path("scope").asText()).isEqualTo("tandem.sidecar.http");
    assertThat(j.path("app_id").asText()).isEqualTo("orders");
    assertThat(j.path("type").asText()).isEqualTo("log");
    assertThat(j.path("ver").asText()).isEqualTo("0.1.0");
  }
}
