package io.tandem.sidecar.invoke;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A plain gRPC channel to the app's own gRPC server, for proxy mode (the {@code AppChannel} speaks
 * Dapr's {@code AppCallback}, not the app's services). Exists only with {@code --app-protocol grpc}
 * or {@code grpcs} and an app port; {@code grpcs} trusts any certificate, as Dapr does for the app
 * on the same host.
 */
final class AppGrpcChannel implements AutoCloseable {
  private final ManagedChannel channel;
  private final String unavailableReason;

  private AppGrpcChannel(ManagedChannel channel, String unavailableReason) {
    this.channel = channel;
    this.unavailableReason = unavailableReason;
  }

  static AppGrpcChannel create(String protocol, String address, int port, long maxMessageSize) {
    if (port <= 0) {
      return new AppGrpcChannel(null, "app channel is not initialized");
    }
    if (!protocol.equals("grpc") && !protocol.equals("grpcs")) {
      return new AppGrpcChannel(
          null,
          "the app speaks "
              + protocol
              + ", not gRPC: proxy mode needs --app-protocol grpc or grpcs");
    }
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress(new InetSocketAddress(address, port))
            .directExecutor()
            .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxMessageSize));
    if (protocol.equals("grpcs")) {
      try {
        b.sslContext(
            GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build());
      } catch (SSLException e) {
        throw new IllegalStateException("cannot set up TLS to the app: " + e.getMessage(), e);
      }
    } else {
      b.usePlaintext();
    }
    return new AppGrpcChannel(b.build(), null);
  }

  /** The channel, or null when the app has no gRPC server to proxy to. */
  ManagedChannel channel() {
    return channel;
  }

  String unavailableReason() {
    return unavailableReason;
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.shutdown();
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        channel.shutdownNow();
      }
    }
  }
}
