// ragsync — MetricsBackend: makes swift-metrics report to a Prometheus registry, once per process.

import CoreMetrics
public import Prometheus

/// The process's metrics back end: swift-metrics handles created anywhere (the embedding client, the daemon) land in
/// the returned registry, which ``PrometheusEndpoint`` serves.
public enum MetricsBackend {
    /// Bootstraps swift-metrics with Prometheus. Call once, before any metric is created (`ragsync watch` does, when
    /// RAGSYNC_METRICS_LISTEN is set); swift-metrics refuses a second bootstrap.
    public static func bootstrapPrometheus() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Seconds, from a few milliseconds (a save committed at once) to a minute (an embedding request's timeout).
        factory.valueHistogramBuckets["ragsync_change_to_commit_seconds"] = [
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
        ]
        factory.durationHistogramBuckets["ragsync_embedding_request_duration_seconds"] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
