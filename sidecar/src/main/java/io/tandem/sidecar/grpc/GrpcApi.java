package io.tandem.sidecar.grpc;

import com.google.protobuf.Empty;
import io.dapr.v1.CommonProtos.InvokeResponse;
import io.dapr.v1.DaprBindingsProtos.InvokeBindingRequest;
import io.dapr.v1.DaprBindingsProtos.InvokeBindingResponse;
import io.dapr.v1.DaprConfigurationProtos.GetConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.GetConfigurationResponse;
import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationResponse;
import io.dapr.v1.DaprConfigurationProtos.UnsubscribeConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.UnsubscribeConfigurationResponse;
import io.dapr.v1.DaprGrpc;
import io.dapr.v1.DaprInvokeProtos.InvokeServiceRequest;
import io.dapr.v1.DaprLockProtos.TryLockRequest;
import io.dapr.v1.DaprLockProtos.TryLockResponse;
import io.dapr.v1.DaprLockProtos.UnlockRequest;
import io.dapr.v1.DaprLockProtos.UnlockResponse;
import io.dapr.v1.DaprMetadataProtos.GetMetadataRequest;
import io.dapr.v1.DaprMetadataProtos.GetMetadataResponse;
import io.dapr.v1.DaprMetadataProtos.SetMetadataRequest;
import io.dapr.v1.DaprProtos.ShutdownRequest;
import io.dapr.v1.DaprSecretProtos.GetBulkSecretRequest;
import io.dapr.v1.DaprSecretProtos.GetBulkSecretResponse;
import io.dapr.v1.DaprSecretProtos.GetSecretRequest;
import io.dapr.v1.DaprSecretProtos.GetSecretResponse;
import io.dapr.v1.DaprStateProtos.DeleteBulkStateRequest;
import io.dapr.v1.DaprStateProtos.DeleteStateRequest;
import io.dapr.v1.DaprStateProtos.ExecuteStateTransactionRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateResponse;
import io.dapr.v1.DaprStateProtos.GetStateRequest;
import io.dapr.v1.DaprStateProtos.GetStateResponse;
import io.dapr.v1.DaprStateProtos.SaveStateRequest;
import io.grpc.stub.StreamObserver;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.bindings.BindingsService;
import io.tandem.sidecar.bindings.OutputBindingOutcome;
import io.tandem.sidecar.configuration.ConfigurationService;
import io.tandem.sidecar.invoke.InvocationGrpc;
import io.tandem.sidecar.lock.LockService;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.pubsub.PubSubService;
import io.tandem.sidecar.pubsub.PubSubSubscriber;
import io.tandem.sidecar.pubsub.Trace;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code dapr.proto.runtime.v1.Dapr} over the shared services. Methods not yet served answer
 * UNIMPLEMENTED (the stub's default).
 */
public final class GrpcApi extends DaprGrpc.DaprImplBase {
  private static final Empty EMPTY = Empty.getDefaultInstance();

  private final StateService state;
  private final SecretsService secrets;
  private final MetadataService metadata;
  private final Runnable shutdown;

  public GrpcApi(
      StateService state, SecretsService secrets, MetadataService metadata, Runnable shutdown) {
    this.state = state;
    this.secrets = secrets;
    this.metadata = metadata;
    this.shutdown = shutdown;
  }

  @Override
  public void getState(GetStateRequest req, StreamObserver<GetStateResponse> out) {
    reply(out, () -> state.getState(req), Function.identity());
  }

  @Override
  public void getBulkState(GetBulkStateRequest req, StreamObserver<GetBulkStateResponse> out) {
    reply(out, () -> state.getBulkState(req), Function.identity());
  }

  @Override
  public void saveState(SaveStateRequest req, StreamObserver<Empty> out) {
    reply(out, () -> state.saveState(req), v -> EMPTY);
  }

  @Override
  public void deleteState(DeleteStateRequest req, StreamObserver<Empty> out) {
    reply(out, () -> state.deleteState(req), v -> EMPTY);
  }

  @Override
  public void deleteBulkState(DeleteBulkStateRequest req, StreamObserver<Empty> out) {
    reply(out, () -> state.deleteBulkState(req), v -> EMPTY);
  }

  @Override
  public void executeStateTransaction(
      ExecuteStateTransactionRequest req, StreamObserver<Empty> out) {
    reply(out, () -> state.executeTransaction(req), v -> EMPTY);
  }

  @Override
  public void getSecret(GetSecretRequest req, StreamObserver<GetSecretResponse> out) {
    reply(out, () -> secrets.getSecret(req), Function.identity());
  }

  @Override
  public void getBulkSecret(GetBulkSecretRequest req, StreamObserver<GetBulkSecretResponse> out) {
    reply(out, () -> secrets.getBulkSecret(req), Function.identity());
  }

  @Override
  public void getMetadata(GetMetadataRequest req, StreamObserver<GetMetadataResponse> out) {
    try {
      out.onNext(metadata.getMetadata());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
    }
  }

  @Override
  public void setMetadata(SetMetadataRequest req, StreamObserver<Empty> out) {
    try {
      metadata.setMetadata(req.getKey(), req.getValue());
      out.onNext(EMPTY);
      out.onCompleted();
    } catch (ApiException e) {
      out.onError(GrpcErrors.toStatus(e));
    }
  }

  @Override
  public void shutdown(ShutdownRequest req, StreamObserver<Empty> out) {
    out.onNext(EMPTY);
    out.onCompleted();
    shutdown.run();
  }

  // ---- bindings (tandem.sidecar.bindings)

  private BindingsService bindings;

  /**
   * Serves {@code InvokeBinding} through {@code service}; without it the method is UNIMPLEMENTED.
   */
  public GrpcApi withBindings(BindingsService service) {
    this.bindings = service;
    return this;
  }

  /**
   * The response carries the binding's data and metadata. A failed call's status carries the
   * metadata the binding still returned as {@code metadata.<key>} trailers.
   */
  @Override
  public void invokeBinding(InvokeBindingRequest req, StreamObserver<InvokeBindingResponse> out) {
    if (bindings == null) {
      super.invokeBinding(req, out);
      return;
    }
    bindings
        .invokeBinding(req)
        .whenComplete(
            (outcome, err) -> {
              if (err != null) {
                out.onError(GrpcErrors.toStatus(err));
              } else if (outcome.failed()) {
                out.onError(withMetadataTrailers(GrpcErrors.toStatus(outcome.error()), outcome));
              } else {
                out.onNext(
                    outcome.response() == null
                        ? InvokeBindingResponse.getDefaultInstance()
                        : outcome.response());
                out.onCompleted();
              }
            });
  }

  private static io.grpc.StatusRuntimeException withMetadataTrailers(
      io.grpc.StatusRuntimeException e, OutputBindingOutcome outcome) {
    if (outcome.response() == null || outcome.response().getMetadataCount() == 0) {
      return e;
    }
    io.grpc.Metadata trailers = new io.grpc.Metadata();
    if (e.getTrailers() != null) {
      trailers.merge(e.getTrailers());
    }
    outcome
        .response()
        .getMetadataMap()
        .forEach(
            (k, v) -> {
              try {
                trailers.put(
                    io.grpc.Metadata.Key.of(
                        "metadata." + k, io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                    v);
              } catch (IllegalArgumentException skipped) {
                // a key or value gRPC cannot carry as ASCII metadata
              }
            });
    return e.getStatus().asRuntimeException(trailers);
  }

  // ---- service invocation (tandem.sidecar.invoke)

  private InvocationGrpc invocation;

  /** Serves {@code InvokeService} through {@code grpc}; without it the method is UNIMPLEMENTED. */
  public GrpcApi withInvocation(InvocationGrpc grpc) {
    this.invocation = grpc;
    return this;
  }

  @Override
  public void invokeService(InvokeServiceRequest req, StreamObserver<InvokeResponse> out) {
    if (invocation == null) {
      super.invokeService(req, out);
      return;
    }
    invocation.invokeService(req, out);
  }

  // ---- pub/sub (tandem.sidecar.pubsub)

  private PubSubService pubsub;
  private PubSubSubscriber subscriber;

  /**
   * Serves {@code PublishEvent}, {@code BulkPublishEvent} (and its Alpha1 name) and {@code
   * SubscribeTopicEventsAlpha1}; without them these methods are UNIMPLEMENTED.
   */
  public GrpcApi withPubSub(PubSubService service, PubSubSubscriber subscriber) {
    this.pubsub = service;
    this.subscriber = subscriber;
    return this;
  }

  @Override
  public void publishEvent(
      io.dapr.v1.DaprPubsubProtos.PublishEventRequest req, StreamObserver<Empty> out) {
    if (pubsub == null) {
      super.publishEvent(req, out);
      return;
    }
    reply(out, () -> pubsub.publish(req, Trace.NONE), v -> EMPTY);
  }

  @Override
  public void bulkPublishEvent(
      io.dapr.v1.DaprPubsubProtos.BulkPublishRequest req,
      StreamObserver<io.dapr.v1.DaprPubsubProtos.BulkPublishResponse> out) {
    if (pubsub == null) {
      super.bulkPublishEvent(req, out);
      return;
    }
    bulkPublish(req, out);
  }

  @Override
  public void bulkPublishEventAlpha1(
      io.dapr.v1.DaprPubsubProtos.BulkPublishRequest req,
      StreamObserver<io.dapr.v1.DaprPubsubProtos.BulkPublishResponse> out) {
    if (pubsub == null) {
      super.bulkPublishEventAlpha1(req, out);
      return;
    }
    bulkPublish(req, out);
  }

  /** As in Dapr, entries that failed on their own fail the call with ERR_PUBSUB_PUBLISH_MESSAGE. */
  private void bulkPublish(
      io.dapr.v1.DaprPubsubProtos.BulkPublishRequest req,
      StreamObserver<io.dapr.v1.DaprPubsubProtos.BulkPublishResponse> out) {
    pubsub
        .bulkPublish(req, Trace.NONE)
        .whenComplete(
            (res, err) -> {
              if (err != null) {
                out.onError(GrpcErrors.toStatus(err));
              } else if (res.getFailedEntriesCount() > 0) {
                out.onError(
                    GrpcErrors.toStatus(
                        pubsub.partialFailure(req.getPubsubName(), req.getTopic(), res)));
              } else {
                out.onNext(res);
                out.onCompleted();
              }
            });
  }

  @Override
  public StreamObserver<io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestAlpha1>
      subscribeTopicEventsAlpha1(
          StreamObserver<io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsResponseAlpha1> out) {
    if (subscriber == null) {
      return super.subscribeTopicEventsAlpha1(out);
    }
    return subscriber.openStream(out, GrpcErrors::toStatus);
  }

  // ---- configuration (tandem.sidecar.configuration)

  private ConfigurationService configuration;

  /**
   * Serves {@code GetConfiguration}, {@code SubscribeConfiguration}, {@code
   * UnsubscribeConfiguration} and their Alpha1 names; without it they are UNIMPLEMENTED.
   */
  public GrpcApi withConfiguration(ConfigurationService service) {
    this.configuration = service;
    return this;
  }

  @Override
  public void getConfiguration(
      GetConfigurationRequest req, StreamObserver<GetConfigurationResponse> out) {
    if (configuration == null) {
      super.getConfiguration(req, out);
      return;
    }
    reply(out, () -> configuration.get(req), Function.identity());
  }

  @Override
  public void getConfigurationAlpha1(
      GetConfigurationRequest req, StreamObserver<GetConfigurationResponse> out) {
    if (configuration == null) {
      super.getConfigurationAlpha1(req, out);
      return;
    }
    reply(out, () -> configuration.get(req), Function.identity());
  }

  @Override
  public void subscribeConfiguration(
      SubscribeConfigurationRequest req, StreamObserver<SubscribeConfigurationResponse> out) {
    if (configuration == null) {
      super.subscribeConfiguration(req, out);
      return;
    }
    ConfigurationStream.open(configuration, req, out);
  }

  @Override
  public void subscribeConfigurationAlpha1(
      SubscribeConfigurationRequest req, StreamObserver<SubscribeConfigurationResponse> out) {
    if (configuration == null) {
      super.subscribeConfigurationAlpha1(req, out);
      return;
    }
    ConfigurationStream.open(configuration, req, out);
  }

  @Override
  public void unsubscribeConfiguration(
      UnsubscribeConfigurationRequest req, StreamObserver<UnsubscribeConfigurationResponse> out) {
    if (configuration == null) {
      super.unsubscribeConfiguration(req, out);
      return;
    }
    out.onNext(unsubscribe(req));
    out.onCompleted();
  }

  @Override
  public void unsubscribeConfigurationAlpha1(
      UnsubscribeConfigurationRequest req, StreamObserver<UnsubscribeConfigurationResponse> out) {
    if (configuration == null) {
      super.unsubscribeConfigurationAlpha1(req, out);
      return;
    }
    out.onNext(unsubscribe(req));
    out.onCompleted();
  }

  /**
   * As Dapr: stops the stream of subscription {@code id} and answers ok; an unknown id is {@code
   * ok: false} with a message, not a gRPC error.
   */
  private UnsubscribeConfigurationResponse unsubscribe(UnsubscribeConfigurationRequest req) {
    if (configuration.unsubscribe(req.getId())) {
      return UnsubscribeConfigurationResponse.newBuilder().setOk(true).build();
    }
    return UnsubscribeConfigurationResponse.newBuilder()
        .setOk(false)
        .setMessage(
            "failed to unsubscribe to configuration request "
                + req.getId()
                + ": subscription does not exist")
        .build();
  }

  // ---- distributed lock (tandem.sidecar.lock)

  private LockService lock;

  /** Serves {@code TryLockAlpha1} and {@code UnlockAlpha1}; without it they are UNIMPLEMENTED. */
  public GrpcApi withLock(LockService service) {
    this.lock = service;
    return this;
  }

  @Override
  public void tryLockAlpha1(TryLockRequest req, StreamObserver<TryLockResponse> out) {
    if (lock == null) {
      super.tryLockAlpha1(req, out);
      return;
    }
    reply(out, () -> lock.tryLock(req), Function.identity());
  }

  @Override
  public void unlockAlpha1(UnlockRequest req, StreamObserver<UnlockResponse> out) {
    if (lock == null) {
      super.unlockAlpha1(req, out);
      return;
    }
    reply(out, () -> lock.unlock(req), Function.identity());
  }

  private static <T, R> void reply(
      StreamObserver<R> out, Supplier<CompletionStage<T>> call, Function<T, R> map) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
      return;
    }
    stage.whenComplete(
        (value, err) -> {
          if (err != null) {
            out.onError(GrpcErrors.toStatus(err));
          } else {
            out.onNext(map.apply(value));
            out.onCompleted();
          }
        });
  }
}
