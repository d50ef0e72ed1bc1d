package io.tandem.sidecar.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceContextTest {
  static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void aValidParentKeepsItsTraceAndFlagsWithANewSpan() {
    String child = TraceContext.childOf(PARENT);
    assertThat(TraceContext.isValid(child)).isTrue();
    assertThat(TraceContext.traceId(child)).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(child).endsWith("-01").isNotEqualTo(PARENT);
    assertThat(TraceContext.childOf("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"))
        .endsWith("-00");
  }

  @Test
  void aMissingOrInvalidParentStartsANewSampledTrace() {
    for (String bad :
        new String[] {
          null,
          "",
          "garbage",
          "00-00000000000000000000000000000000-b7ad6b7169203331-01",
          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
          "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        }) {
      String tp = TraceContext.childOf(bad);
      assertThat(TraceContext.isValid(tp)).as("from %s", bad).isTrue();
      assertThat(tp).startsWith("00-").endsWith("-01");
    }
    assertThat(TraceContext.traceId(TraceContext.childOf(null)))
        .isNotEqualTo(TraceContext.traceId(TraceContext.childOf(null)));
  }
}
