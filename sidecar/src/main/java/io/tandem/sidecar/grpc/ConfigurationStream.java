package io.tandem.sidecar.grpc;

import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.sidecar.configuration.ConfigurationService;
import io.tandem.sidecar.configuration.ConfigurationSink;
import java.util.Map;

/**
 * One {@code SubscribeConfiguration} stream, as Dapr runs it: the first message carries the
 * subscription id and no items, then one message per update. The stream ends normally when the
 * subscription is unsubscribed or the sidecar stops; a caller that cancels the stream closes the
 * store's watch with it.
 */
final class ConfigurationStream implements ConfigurationSink {
  private final ServerCallStreamObserver<SubscribeConfigurationResponse> out;
  private boolean done; // guarded by this
  private ConfigurationService.Subscription subscription; // guarded by this

  private ConfigurationStream(ServerCallStreamObserver<SubscribeConfigurationResponse> out) {
    this.out = out;
  }

  static void open(
      ConfigurationService service,
      SubscribeConfigurationRequest req,
      StreamObserver<SubscribeConfigurationResponse> observer) {
    ServerCallStreamObserver<SubscribeConfigurationResponse> out =
        (ServerCallStreamObserver<SubscribeConfigurationResponse>) observer;
    ConfigurationStream stream = new ConfigurationStream(out);
    // only settable during this call; it also keeps onNext after a cancel from throwing
    out.setOnCancelHandler(stream::cancelled);
    ConfigurationService.Subscription s;
    try {
      s = service.subscribe(req, stream);
    } catch (RuntimeException e) {
      stream.fail(e);
      return;
    }
    stream.attach(s);
    s.started()
        .whenComplete(
            (id, err) -> {
              if (err != null) {
                stream.fail(err);
              }
            });
  }

  private void attach(ConfigurationService.Subscription s) {
    boolean closeNow;
    synchronized (this) {
      subscription = s;
      closeNow = done;
    }
    if (closeNow) {
      s.close();
    }
  }

  private void cancelled() {
    ConfigurationService.Subscription s;
    synchronized (this) {
      done = true;
      s = subscription;
    }
    if (s != null) {
      s.close();
    }
  }

  @Override
  public synchronized void started(String id) {
    if (!done) {
      out.onNext(SubscribeConfigurationResponse.newBuilder().setId(id).build());
    }
  }

  @Override
  public synchronized void update(String id, Map<String, ConfigurationItem> items) {
    if (!done) {
      out.onNext(
          SubscribeConfigurationResponse.newBuilder()
              .setId(id)
              .putAllItems(ConfigurationService.toProto(items))
              .build());
    }
  }

  @Override
  public synchronized void ended() {
    if (!done) {
      done = true;
      out.onCompleted();
    }
  }

  private synchronized void fail(Throwable err) {
    if (!done) {
      done = true;
      out.onError(GrpcErrors.toStatus(err));
    }
  }
}
