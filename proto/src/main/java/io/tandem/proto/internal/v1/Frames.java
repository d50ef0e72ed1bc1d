package io.tandem.proto.internal.v1;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;

/**
 * The framing rules of {@code ServiceInvocation.Invoke}, in one place for both ends: bodies travel
 * as chunk frames of at most {@link #MAX_CHUNK} bytes, and each direction is one head frame
 * followed by chunk frames only. {@link Sequence} checks what a peer sends.
 */
public final class Frames {
  /** The largest chunk a sender puts in one frame, well below gRPC's default message limit. */
  public static final int MAX_CHUNK = 64 * 1024;

  private Frames() {}

  /** Splits {@code data} into slices of at most {@link #MAX_CHUNK} bytes (none for no data). */
  public static List<ByteString> chunks(ByteString data) {
    List<ByteString> out = new ArrayList<>((data.size() + MAX_CHUNK - 1) / MAX_CHUNK);
    for (int from = 0; from < data.size(); from += MAX_CHUNK) {
      out.add(data.substring(from, Math.min(data.size(), from + MAX_CHUNK)));
    }
    return out;
  }

  public static InvokeRequestFrame head(RequestHead head) {
    return InvokeRequestFrame.newBuilder().setHead(head).build();
  }

  public static InvokeRequestFrame requestChunk(ByteString chunk) {
    return InvokeRequestFrame.newBuilder().setChunk(chunk).build();
  }

  public static InvokeResponseFrame head(ResponseHead head) {
    return InvokeResponseFrame.newBuilder().setHead(head).build();
  }

  public static InvokeResponseFrame responseChunk(ByteString chunk) {
    return InvokeResponseFrame.newBuilder().setChunk(chunk).build();
  }

  /** What a received frame is, once checked against the frames before it. */
  public enum Kind {
    HEAD,
    CHUNK
  }

  /** A frame that breaks the rules: the peer is not a (compatible) Tandem sidecar. */
  public static final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
      super(message);
    }
  }

  /**
   * Checks one direction of a stream: exactly one head, first; then chunks only. Not thread-safe:
   * one instance per direction of one call, fed in arrival order.
   */
  public static final class Sequence {
    private boolean headSeen;

    public Kind accept(InvokeRequestFrame frame) {
      return accept(frame.getFrameCase() == InvokeRequestFrame.FrameCase.HEAD, isSet(frame));
    }

    public Kind accept(InvokeResponseFrame frame) {
      return accept(frame.getFrameCase() == InvokeResponseFrame.FrameCase.HEAD, isSet(frame));
    }

    public boolean headSeen() {
      return headSeen;
    }

    private Kind accept(boolean head, boolean set) {
      if (!set) {
        throw new ProtocolException("empty frame");
      }
      if (head) {
        if (headSeen) {
          throw new ProtocolException("a second head frame");
        }
        headSeen = true;
        return Kind.HEAD;
      }
      if (!headSeen) {
        throw new ProtocolException("a body chunk before the head frame");
      }
      return Kind.CHUNK;
    }

    private static boolean isSet(InvokeRequestFrame f) {
      return f.getFrameCase() != InvokeRequestFrame.FrameCase.FRAME_NOT_SET;
    }

    private static boolean isSet(InvokeResponseFrame f) {
      return f.getFrameCase() != InvokeResponseFrame.FrameCase.FRAME_NOT_SET;
    }
  }
}
