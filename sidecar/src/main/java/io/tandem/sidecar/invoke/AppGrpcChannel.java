package io.tandem.sidecar.invoke;

import io.grpc.ManagedChannel;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.GrpcAppChannel;

/**
 * The app's own gRPC server, for proxy mode (the {@code AppChannel} speaks Dapr's {@code
 * AppCallback}, not the app's services). It borrows the gRPC app channel's connection, so there is
 * one connection to the app however it is called; it exists only with {@code --app-protocol grpc}
 * or {@code grpcs} and an app port.
 */
final class AppGrpcChannel {
  private final ManagedChannel channel;
  private final String unavailableReason;

  private AppGrpcChannel(ManagedChannel channel, String unavailableReason) {
    this.channel = channel;
    this.unavailableReason = unavailableReason;
  }

  static AppGrpcChannel of(AppChannel app, int appPort, String protocol) {
    if (appPort <= 0) {
      return new AppGrpcChannel(null, "app channel is not initialized");
    }
    if (app instanceof GrpcAppChannel grpc) {
      return new AppGrpcChannel(grpc.channel(), null);
    }
    return new AppGrpcChannel(
        null,
        "the app speaks " + protocol + ", not gRPC: proxy mode needs --app-protocol grpc or grpcs");
  }

  /** The channel, or null when the app has no gRPC server to proxy to. */
  ManagedChannel channel() {
    return channel;
  }

  String unavailableReason() {
    return unavailableReason;
  }
}
