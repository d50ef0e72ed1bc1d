package io.tandem.proto.internal.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FramesTest {

  @Test
  void chunksSplitAtTheLimitAndReassembleExactly() {
    byte[] data = new byte[Frames.MAX_CHUNK * 2 + 17];
    new Random(7).nextBytes(data);
    List<ByteString> chunks = Frames.chunks(ByteString.copyFrom(data));

    assertThat(chunks)
        .extracting(ByteString::size)
        .containsExactly(Frames.MAX_CHUNK, Frames.MAX_CHUNK, 17);
    assertThat(ByteString.copyFrom(chunks).toByteArray()).isEqualTo(data);
  }

  @Test
  void noDataMakesNoChunk() {
    assertThat(Frames.chunks(ByteString.EMPTY)).isEmpty();
    assertThat(Frames.chunks(ByteString.copyFromUtf8("x"))).hasSize(1);
  }

  @Test
  void framesSurviveTheWire() throws Exception {
    InvokeRequestFrame head =
        Frames.head(
            RequestHead.newBuilder()
                .setCallerAppId("caller")
                .setCalleeAppId("callee")
                .setVerb("POST")
                .setMethod("orders/a%20b")
                .setQuery("x=1&y=2")
                .addHeaders(Header.newBuilder().setName("x-a").setValue("1"))
                .addHeaders(Header.newBuilder().setName("x-a").setValue("2"))
                .setTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .setHasBody(true)
                .build());
    InvokeRequestFrame parsed = InvokeRequestFrame.parseFrom(head.toByteArray());

    assertThat(parsed.getHead().getHeadersList())
        .extracting(Header::getValue)
        .containsExactly("1", "2");
    assertThat(parsed.getHead().getMethod()).isEqualTo("orders/a%20b");
    InvokeResponseFrame chunk = Frames.responseChunk(ByteString.copyFromUtf8("body"));
    assertThat(InvokeResponseFrame.parseFrom(chunk.toByteArray()).getChunk().toStringUtf8())
        .isEqualTo("body");
  }

  @Test
  void aSequenceIsOneHeadThenChunks() {
    Frames.Sequence s = new Frames.Sequence();
    assertThat(s.headSeen()).isFalse();
    assertThat(s.accept(Frames.head(ResponseHead.newBuilder().setStatus(201).build())))
        .isEqualTo(Frames.Kind.HEAD);
    assertThat(s.headSeen()).isTrue();
    assertThat(s.accept(Frames.responseChunk(ByteString.copyFromUtf8("a"))))
        .isEqualTo(Frames.Kind.CHUNK);
    assertThat(s.accept(Frames.responseChunk(ByteString.EMPTY))).isEqualTo(Frames.Kind.CHUNK);
  }

  @Test
  void aChunkBeforeTheHeadIsRefused() {
    assertThatThrownBy(
            () -> new Frames.Sequence().accept(Frames.requestChunk(ByteString.copyFromUtf8("a"))))
        .isInstanceOf(Frames.ProtocolException.class)
        .hasMessageContaining("before the head");
  }

  @Test
  void aSecondHeadIsRefused() {
    Frames.Sequence s = new Frames.Sequence();
    s.accept(Frames.head(RequestHead.getDefaultInstance()));
    assertThatThrownBy(() -> s.accept(Frames.head(RequestHead.getDefaultInstance())))
        .isInstanceOf(Frames.ProtocolException.class)
        .hasMessageContaining("second head");
  }

  @Test
  void anEmptyFrameIsRefused() {
    assertThatThrownBy(() -> new Frames.Sequence().accept(InvokeRequestFrame.getDefaultInstance()))
        .isInstanceOf(Frames.ProtocolException.class);
  }
}
