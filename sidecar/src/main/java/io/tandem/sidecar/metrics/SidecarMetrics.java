package io.tandem.sidecar.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sidecar's metrics, behind methods named after the events they count, with Dapr's metric names
 * and labels so that existing Dapr dashboards work.
 *
 * <p>Dapr exposes its counts without Prometheus' {@code _total} suffix ({@code
 * dapr_http_server_request_count}); Micrometer's Prometheus registry always appends it to counters.
 * To keep the names dashboards query, the counts are registered as monotonically increasing gauges:
 * the series name and labels are exactly Dapr's, and {@code rate()} works on them as on a counter.
 * Latencies are histograms in milliseconds, with Dapr's bucket boundaries.
 */
public final class SidecarMetrics {
  private static final double[] LATENCY_BUCKETS_MS = {
    1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400,
    500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000
  };

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final String appId;
  private final String namespace;
  private final ConcurrentHashMap<List<String>, LongAdder> counts = new ConcurrentHashMap<>();

  private SidecarMetrics(
      MeterRegistry registry, PrometheusMeterRegistry prometheus, String appId, String namespace) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.appId = appId;
    this.namespace = namespace;
  }

  /** Metrics exported in Prometheus' text format. */
  public static SidecarMetrics prometheus(String appId, String namespace) {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return new SidecarMetrics(r, r, appId, namespace);
  }

  /** Metrics kept in memory only, when metrics are disabled or in tests. */
  public static SidecarMetrics inMemory(String appId) {
    return new SidecarMetrics(new SimpleMeterRegistry(), null, appId, "");
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus exposition, or an empty string when metrics are not exported. */
  public String scrape() {
    return prometheus == null ? "" : prometheus.scrape();
  }

  public void httpRequestServed(String method, String path, int status, double latencyMs) {
    Tags tags =
        Tags.of(
            "app_id", appId, "method", method, "path", path, "status", Integer.toString(status));
    count(
        "dapr_http_server_request_count",
        tags,
        "The number of HTTP requests served by the sidecar");
    latency("dapr_http_server_latency", tags, latencyMs, "HTTP request latency, in milliseconds");
  }

  public void grpcCallCompleted(String method, String status, double latencyMs) {
    Tags tags =
        Tags.of("app_id", appId, "grpc_server_method", method, "grpc_server_status", status);
    count("dapr_grpc_io_server_completed_rpcs", tags, "The number of gRPC calls completed");
    latency(
        "dapr_grpc_io_server_server_latency",
        Tags.of("app_id", appId, "grpc_server_method", method),
        latencyMs,
        "gRPC call latency, in milliseconds");
  }

  public void stateOperation(
      String component, String operation, boolean success, double latencyMs) {
    componentOperation(
        "state",
        "The number of state store operations",
        "State store operation latency, in milliseconds",
        component,
        operation,
        success,
        latencyMs);
  }

  /**
   * One configuration store call through the configuration API: {@code operation} is get, subscribe
   * or unsubscribe, as Dapr's component/configuration views.
   */
  public void configurationOperation(
      String component, String operation, boolean success, double latencyMs) {
    componentOperation(
        "configuration",
        "The number of operations performed on the configuration component",
        "The latency of the response from the configuration component, in milliseconds",
        component,
        operation,
        success,
        latencyMs);
  }

  /**
   * Tandem's own gauge {@code tandem_component_healthy}: 1 while {@code healthy} says so, 0 while
   * the component reports trouble. Read at each scrape; {@code healthy} must be cheap.
   */
  public void componentHealth(
      String component, String type, java.util.function.BooleanSupplier healthy) {
    Gauge.builder("tandem_component_healthy", healthy, h -> h.getAsBoolean() ? 1 : 0)
        .description("1 while the component's backend is healthy, 0 while it reports trouble")
        .tags(Tags.of("app_id", appId, "component", component, "type", type))
        .strongReference(true)
        .register(registry);
  }

  /** One output binding call through the bindings API (Dapr records unknown bindings too). */
  public void outputBindingInvoked(
      String component, String operation, boolean success, double latencyMs) {
    componentOperation(
        "output_binding",
        "The number of operations invoked on the output binding component",
        "The latency of the response from the output binding component, in milliseconds",
        component,
        operation,
        success,
        latencyMs);
  }

  /**
   * Dapr's per-component pair {@code dapr_component_<kind>_count} and {@code
   * dapr_component_<kind>_latencies}, labelled with the component, operation and outcome.
   */
  private void componentOperation(
      String kind,
      String countHelp,
      String latencyHelp,
      String component,
      String operation,
      boolean success,
      double latencyMs) {
    Tags tags =
        Tags.of(
            "app_id", appId,
            "component", component,
            "namespace", namespace,
            "operation", operation,
            "success", Boolean.toString(success));
    count("dapr_component_" + kind + "_count", tags, countHelp);
    latency("dapr_component_" + kind + "_latencies", tags, latencyMs, latencyHelp);
  }

  /** One input binding event delivered to the app; {@code success} is the app's answer. */
  public void inputBindingEvent(String component, boolean success, double latencyMs) {
    Tags tags =
        Tags.of(
            "app_id", appId,
            "component", component,
            "namespace", namespace,
            "success", Boolean.toString(success));
    count(
        "dapr_component_input_binding_count",
        tags,
        "The number of incoming events arriving from the input binding component");
    latency(
        "dapr_component_input_binding_latencies",
        tags,
        latencyMs,
        "The triggered app event processing latency, in milliseconds");
  }

  public void componentLoaded() {
    count(
        "dapr_runtime_component_loaded",
        Tags.of("app_id", appId, "namespace", namespace),
        "The number of components loaded");
  }

  public void componentInitFailed(String component, String reason) {
    total(
        "dapr_runtime_component_init_fail",
        Tags.of("app_id", appId, "component", component, "reason", reason),
        "The number of components that failed to initialise");
  }

  // ---- service invocation (tandem.sidecar.invoke): Dapr's runtime/service_invocation views.
  // Their names end in _total, so they are Micrometer counters named without the suffix, which
  // the Prometheus registry appends back.

  /** This sidecar sent an invocation to {@code destinationAppId}'s sidecar. */
  public void invocationRequestSent(String destinationAppId) {
    total(
        "dapr_runtime_service_invocation_req_sent",
        Tags.of("app_id", appId, "dst_app_id", destinationAppId, "type", "unary"),
        "The number of requests sent via service invocation");
  }

  /** This sidecar received an invocation for its app from {@code sourceAppId}. */
  public void invocationRequestReceived(String sourceAppId) {
    total(
        "dapr_runtime_service_invocation_req_recv",
        Tags.of("app_id", appId, "src_app_id", sourceAppId),
        "The number of requests received via service invocation");
  }

  /** This sidecar answered an invocation from {@code callerAppId} (Dapr labels it dst_app_id). */
  public void invocationResponseSent(String callerAppId, int status) {
    total(
        "dapr_runtime_service_invocation_res_sent",
        Tags.of("app_id", appId, "dst_app_id", callerAppId, "status", Integer.toString(status)),
        "The number of responses sent via service invocation");
  }

  /** The answer of {@code calleeAppId} arrived (Dapr labels it src_app_id). */
  public void invocationResponseReceived(String calleeAppId, int status, double latencyMs) {
    String s = Integer.toString(status);
    total(
        "dapr_runtime_service_invocation_res_recv",
        Tags.of("app_id", appId, "src_app_id", calleeAppId, "status", s, "type", "unary"),
        "The number of responses received via service invocation");
    latency(
        "dapr_runtime_service_invocation_res_recv_latency_ms",
        Tags.of("app_id", appId, "src_app_id", calleeAppId, "status", s),
        latencyMs,
        "The latency of service invocation response, in milliseconds");
  }

  /** A proxied gRPC stream sent to {@code destinationAppId}. */
  public void invocationStreamSent(String destinationAppId) {
    total(
        "dapr_runtime_service_invocation_req_sent",
        Tags.of("app_id", appId, "dst_app_id", destinationAppId, "type", "streaming"),
        "The number of requests sent via service invocation");
  }

  /** A proxied gRPC stream to {@code calleeAppId} ended with gRPC status {@code code}. */
  public void invocationStreamResponseReceived(String calleeAppId, int code) {
    total(
        "dapr_runtime_service_invocation_res_recv",
        Tags.of(
            "app_id",
            appId,
            "src_app_id",
            calleeAppId,
            "status",
            Integer.toString(code),
            "type",
            "streaming"),
        "The number of responses received via service invocation");
  }

  private void total(String nameWithoutTotal, Tags tags, String help) {
    io.micrometer.core.instrument.Counter.builder(nameWithoutTotal)
        .description(help)
        .tags(tags)
        .register(registry)
        .increment();
  }

  // ---- pub/sub (tandem.sidecar.pubsub): Dapr's component/pubsub_ingress and pubsub_egress views.

  /** A publish through the API: the broker accepted it ({@code success}) or not. */
  public void pubsubEgress(String component, String topic, boolean success, double latencyMs) {
    Tags tags = pubsubTags(component, topic).and("success", Boolean.toString(success));
    count("dapr_component_pubsub_egress_count", tags, "The number of outgoing messages");
    if (latencyMs > 0) {
      latency(
          "dapr_component_pubsub_egress_latencies",
          tags,
          latencyMs,
          "The latency of the response from the pub/sub component, in milliseconds");
    }
  }

  /** A bulk publish through the API, of which {@code published} entries reached the broker. */
  public void pubsubBulkEgress(
      String component, String topic, boolean success, long published, double latencyMs) {
    Tags tags = pubsubTags(component, topic).and("success", Boolean.toString(success));
    count("dapr_component_pubsub_egress_bulk_count", tags, "The number of bulk publish calls");
    if (published > 0) {
      count(
          "dapr_component_pubsub_egress_bulk_event_count",
          pubsubTags(component, topic).and("success", "true"),
          "The number of events published in bulk",
          published);
    }
    if (latencyMs > 0) {
      latency(
          "dapr_component_pubsub_egress_bulk_latencies",
          tags,
          latencyMs,
          "The latency of the response from the pub/sub component to a bulk publish, in ms");
    }
  }

  /**
   * One message handled for a subscription: {@code processStatus} is success, retry or drop, and
   * {@code status} what Dapr reports beside it (the same, or success for a dropped message).
   */
  public void pubsubIngress(
      String component, String topic, String processStatus, String status, double latencyMs) {
    Tags tags =
        pubsubTags(component, topic)
            .and("process_status", processStatus)
            .and("status", status == null || status.isEmpty() ? processStatus : status);
    count("dapr_component_pubsub_ingress_count", tags, "The number of incoming messages");
    if (latencyMs > 0) {
      latency(
          "dapr_component_pubsub_ingress_latencies",
          tags,
          latencyMs,
          "The consuming app event processing latency, in milliseconds");
    }
  }

  /** One call delivering a batch to a bulk subscriber. */
  public void pubsubBulkIngress(String component, String topic, double latencyMs) {
    Tags tags = pubsubTags(component, topic);
    count("dapr_component_pubsub_ingress_bulk_count", tags, "The number of bulk deliveries");
    if (latencyMs > 0) {
      latency(
          "dapr_component_pubsub_ingress_bulk_latencies",
          tags,
          latencyMs,
          "The consuming app bulk processing latency, in milliseconds");
    }
  }

  /** Entries of bulk deliveries that ended with {@code processStatus}. */
  public void pubsubBulkIngressEntries(
      String component, String topic, String processStatus, long entries) {
    if (entries > 0) {
      count(
          "dapr_component_pubsub_ingress_bulk_event_count",
          pubsubTags(component, topic).and("process_status", processStatus),
          "The number of events delivered in bulk",
          entries);
    }
  }

  private Tags pubsubTags(String component, String topic) {
    return Tags.of("app_id", appId, "component", component, "namespace", namespace, "topic", topic);
  }

  private void count(String name, Tags tags, String help, long n) {
    for (long i = 0; i < n; i++) {
      count(name, tags, help);
    }
  }

  private void count(String name, Tags tags, String help) {
    List<String> key = new java.util.ArrayList<>();
    key.add(name);
    tags.forEach(
        t -> {
          key.add(t.getKey());
          key.add(t.getValue());
        });
    counts
        .computeIfAbsent(
            List.copyOf(key),
            k -> {
              LongAdder adder = new LongAdder();
              Gauge.builder(name, adder, LongAdder::sum)
                  .description(help)
                  .tags(tags)
                  .strongReference(true)
                  .register(registry);
              return adder;
            })
        .increment();
  }

  private void latency(String name, Tags tags, double ms, String help) {
    DistributionSummary.builder(name)
        .description(help)
        .tags(tags)
        .serviceLevelObjectives(LATENCY_BUCKETS_MS)
        .register(registry)
        .record(ms);
  }
}
