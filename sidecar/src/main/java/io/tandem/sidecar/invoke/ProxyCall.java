package io.tandem.sidecar.invoke;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One gRPC call forwarded as it is, message by message, from a server call to a client call on
 * another channel: headers, messages both ways, half-close, cancellation, status and trailers. Each
 * side asks the other for one message at a time and only while it can send it on, so gRPC flow
 * control reaches from one end to the other; streaming calls work like unary ones.
 *
 * <p>The two sides call back on different threads; all state is guarded by this object's lock.
 */
final class ProxyCall extends ServerCall.Listener<byte[]> {
  /** Metadata that describes one hop, or that sidecars set themselves. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "content-type",
          "te",
          "user-agent",
          "host",
          Headers.API_TOKEN,
          Headers.CALLER_APP_ID,
          Headers.CALLER_NAMESPACE,
          Headers.CALLEE_APP_ID);

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static MethodDescriptor<byte[], byte[]> descriptor(String fullMethodName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName(fullMethodName)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  /** The caller's metadata less what must not cross a hop. */
  static Metadata forwardable(Metadata in) {
    Metadata out = new Metadata();
    for (String key : in.keys()) {
      String k = key.toLowerCase(Locale.ROOT);
      if (k.startsWith(":") || k.startsWith("grpc-") || NOT_FORWARDED.contains(k)) {
        continue;
      }
      if (k.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        Metadata.Key<byte[]> bk = Metadata.Key.of(k, Metadata.BINARY_BYTE_MARSHALLER);
        Iterable<byte[]> values = in.getAll(bk);
        if (values != null) {
          values.forEach(v -> out.put(bk, v));
        }
      } else {
        Metadata.Key<String> ak = Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER);
        Iterable<String> values = in.getAll(ak);
        if (values != null) {
          values.forEach(v -> out.put(ak, v));
        }
      }
    }
    return out;
  }

  private final ServerCall<byte[], byte[]> server;
  private final Consumer<Status> onClose;
  private ClientCall<byte[], byte[]> client;
  private boolean halfClosed;
  private boolean cancelled;
  private boolean closed;
  private boolean serverWantsRequest;
  private boolean clientWantsRequest;

  /**
   * @param onClose told the final status once (for metrics)
   */
  ProxyCall(ServerCall<byte[], byte[]> server, Consumer<Status> onClose) {
    this.server = server;
    this.onClose = onClose;
  }

  /** Opens the onward call; until then the caller's messages wait (none is requested). */
  synchronized void connect(Channel channel, Metadata headers, CallOptions options) {
    if (cancelled || closed) {
      return;
    }
    client = channel.newCall(descriptor(server.getMethodDescriptor().getFullMethodName()), options);
    client.start(new ClientSide(), headers);
    client.request(1);
    server.request(1);
    if (halfClosed) {
      client.halfClose();
    }
  }

  /** Ends the call before any onward call exists. */
  synchronized void fail(Status status, Metadata trailers) {
    if (client != null) {
      client.cancel(status.getDescription(), status.getCause());
    }
    close(status, trailers);
  }

  private void close(Status status, Metadata trailers) {
    if (!closed) {
      closed = true;
      if (!cancelled) {
        server.close(status, trailers);
      }
      onClose.accept(status);
    }
  }

  // ---- the caller's side

  @Override
  public synchronized void onMessage(byte[] message) {
    if (client == null || closed) {
      return;
    }
    client.sendMessage(message);
    if (client.isReady()) {
      server.request(1);
    } else {
      serverWantsRequest = true;
    }
  }

  @Override
  public synchronized void onHalfClose() {
    halfClosed = true;
    if (client != null) {
      client.halfClose();
    }
  }

  @Override
  public synchronized void onCancel() {
    cancelled = true;
    if (client != null) {
      client.cancel("the caller cancelled", null);
    }
    if (!closed) {
      closed = true;
      onClose.accept(Status.CANCELLED);
    }
  }

  @Override
  public synchronized void onReady() {
    if (clientWantsRequest && client != null) {
      clientWantsRequest = false;
      client.request(1);
    }
  }

  // ---- the callee's side

  private final class ClientSide extends ClientCall.Listener<byte[]> {
    @Override
    public void onHeaders(Metadata headers) {
      synchronized (ProxyCall.this) {
        if (!closed) {
          server.sendHeaders(headers);
        }
      }
    }

    @Override
    public void onMessage(byte[] message) {
      synchronized (ProxyCall.this) {
        if (closed) {
          return;
        }
        server.sendMessage(message);
        if (server.isReady()) {
          client.request(1);
        } else {
          clientWantsRequest = true;
        }
      }
    }

    @Override
    public void onReady() {
      synchronized (ProxyCall.this) {
        if (serverWantsRequest) {
          serverWantsRequest = false;
          server.request(1);
        }
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      synchronized (ProxyCall.this) {
        close(status, trailers);
      }
    }
  }
}
