package io.tandem.sidecar.metadata;

import io.dapr.v1.DaprMetadataProtos.ActorRuntime;
import io.dapr.v1.DaprMetadataProtos.AppConnectionProperties;
import io.dapr.v1.DaprMetadataProtos.GetMetadataResponse;
import io.dapr.v1.DaprMetadataProtos.RegisteredComponents;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.tandem.sidecar.registry.ComponentTrouble;
import io.tandem.sidecar.registry.LoadedComponent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The metadata building block: what this sidecar is and runs, plus the app's own attributes. */
public final class MetadataService {
  /** Keys set with {@code PUT /v1.0/metadata/{key}} are capped so the map cannot grow unbounded. */
  static final int MAX_EXTENDED_ENTRIES = 1024;

  private final String appId;
  private final String runtimeVersion;
  private final ComponentRegistry registry;
  private final AppConnectionProperties appConnection;
  private final List<String> enabledFeatures;
  private final Map<String, String> extended = new ConcurrentHashMap<>();

  public MetadataService(
      String appId,
      String runtimeVersion,
      ComponentRegistry registry,
      AppConnectionProperties appConnection,
      List<String> enabledFeatures) {
    this.appId = appId;
    this.runtimeVersion = runtimeVersion;
    this.registry = registry;
    this.appConnection = appConnection;
    this.enabledFeatures = List.copyOf(enabledFeatures);
  }

  public GetMetadataResponse getMetadata() {
    GetMetadataResponse.Builder b =
        GetMetadataResponse.newBuilder()
            .setId(appId)
            .setRuntimeVersion(runtimeVersion)
            .addAllEnabledFeatures(enabledFeatures)
            .putAllExtendedMetadata(extended)
            .setAppConnectionProperties(appConnection)
            .setActorRuntime(
                ActorRuntime.newBuilder()
                    .setRuntimeStatus(ActorRuntime.ActorRuntimeStatus.DISABLED)
                    .setHostReady(false));
    for (LoadedComponent c : registry.all()) {
      b.addRegisteredComponents(
          RegisteredComponents.newBuilder()
              .setName(c.name())
              .setType(c.type())
              .setVersion(c.version())
              .addAllCapabilities(c.capabilities()));
    }
    for (ComponentTrouble t : registry.troubles()) {
      b.putExtendedMetadata(troubleKey(t.name()), t.message());
    }
    b.addAllSubscriptions(subscriptions.get());
    return b.build();
  }

  /**
   * The {@code extended} entry that shows a component's trouble while it lasts: {@code
   * tandem.component.<name>.trouble}.
   */
  public static String troubleKey(String componentName) {
    return "tandem.component." + componentName + ".trouble";
  }

  // ---- pub/sub subscriptions (tandem.sidecar.pubsub)

  private java.util.function.Supplier<List<io.dapr.v1.DaprMetadataProtos.PubsubSubscription>>
      subscriptions = List::of;

  /** Lists the subscriptions {@code source} returns; none without it. */
  public MetadataService withSubscriptions(
      java.util.function.Supplier<List<io.dapr.v1.DaprMetadataProtos.PubsubSubscription>> source) {
    this.subscriptions = source;
    return this;
  }

  public void setMetadata(String key, String value) {
    if (key == null || key.isBlank()) {
      throw ApiError.MALFORMED_REQUEST.exception("metadata key must not be empty");
    }
    if (!extended.containsKey(key) && extended.size() >= MAX_EXTENDED_ENTRIES) {
      throw ApiError.MALFORMED_REQUEST.exception(
          "too many metadata attributes: at most " + MAX_EXTENDED_ENTRIES + " may be set");
    }
    extended.put(key, value == null ? "" : value);
  }
}
