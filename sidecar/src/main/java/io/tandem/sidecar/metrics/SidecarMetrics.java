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
    Tags tags =
        Tags.of(
            "app_id", appId,
            "component", component,
            "namespace", namespace,
            "operation", operation,
            "success", Boolean.toString(success));
    count("dapr_component_state_count", tags, "The number of state store operations");
    latency(
        "dapr_component_state_latencies",
        tags,
        latencyMs,
        "State store operation latency, in milliseconds");
  }

  public void componentLoaded() {
    count(
        "dapr_runtime_component_loaded",
        Tags.of("app_id", appId, "namespace", namespace),
        "The number of components loaded");
  }

  public void componentInitFailed(String component, String reason) {
    count(
        "dapr_runtime_component_init_fail_total",
        Tags.of("app_id", appId, "component", component, "reason", reason),
        "The number of components that failed to initialise");
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
