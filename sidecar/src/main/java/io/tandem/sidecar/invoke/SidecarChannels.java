package io.tandem.sidecar.invoke;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * gRPC channels to other sidecars' internal ports, one per address, reused by every call to it. A
 * channel whose address stopped answering is dropped so that the next call connects afresh instead
 * of waiting out gRPC's reconnect back-off.
 */
final class SidecarChannels implements AutoCloseable {
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Function<AppAddress, ManagedChannel> factory;

  SidecarChannels(Function<AppAddress, ManagedChannel> factory) {
    this.factory = factory;
  }

  /** Plaintext Netty channels (mTLS comes with the sentry). */
  static SidecarChannels netty(long maxBodySize) {
    // a proxied gRPC message can be as large as the caller's sidecar let in
    int maxMessageSize = (int) Math.min(Integer.MAX_VALUE, Math.max(maxBodySize, 4L << 20));
    return new SidecarChannels(
        address ->
            NettyChannelBuilder.forAddress(new InetSocketAddress(address.host(), address.port()))
                .usePlaintext()
                // callbacks only hop onto Vert.x contexts or forward frames: never block
                .directExecutor()
                .maxInboundMessageSize(maxMessageSize)
                .build());
  }

  ManagedChannel get(AppAddress address) {
    return channels.computeIfAbsent(address.authority(), k -> factory.apply(address));
  }

  void evict(AppAddress address) {
    ManagedChannel c = channels.remove(address.authority());
    if (c != null) {
      c.shutdown();
    }
  }

  int size() {
    return channels.size();
  }

  @Override
  public void close() {
    List<ManagedChannel> all = new ArrayList<>(channels.values());
    channels.clear();
    all.forEach(ManagedChannel::shutdown);
    for (ManagedChannel c : all) {
      try {
        if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        c.shutdownNow();
      }
    }
  }
}
