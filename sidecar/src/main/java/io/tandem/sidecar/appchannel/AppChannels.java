package io.tandem.sidecar.appchannel;

import io.tandem.sidecar.AppChannelConfig;
import io.vertx.core.Vertx;

/** Picks the channel for {@code --app-protocol}. */
public final class AppChannels {
  private AppChannels() {}

  public static AppChannel create(Vertx vertx, AppChannelConfig config, long maxBodySize) {
    if (!config.hasApp()) {
      return new NoAppChannel();
    }
    return config.isGrpc()
        ? new GrpcAppChannel(vertx, config, maxBodySize)
        : new HttpAppChannel(vertx, config);
  }
}
