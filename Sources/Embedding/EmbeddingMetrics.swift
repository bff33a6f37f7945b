// ragsync — EmbeddingMetrics: requests, tokens and request latency of the embedding service, through swift-metrics.

import CoreMetrics

/// What every embedding request reports: how it ended, how long it took and the tokens it was billed for.
///
/// The handles come from whatever back end the process bootstrapped (Prometheus under `ragsync watch` with
/// RAGSYNC_METRICS_LISTEN); without one they do nothing.
struct EmbeddingMetrics: Sendable {
    /// Requests by outcome: `success`, or the failure's code (`rateLimited`, `serverError`, `timeout`, …).
    static func request(outcome: String, duration: Duration) {
        Counter(label: "ragsync_embedding_requests_total", dimensions: [("outcome", outcome)]).increment()
        let (seconds, attoseconds) = duration.components
        CoreMetrics.Timer(label: "ragsync_embedding_request_duration_seconds").recordNanoseconds(
            seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Prompt tokens of successful requests.
    static func tokens(_ count: Int) {
        Counter(label: "ragsync_embedding_tokens_total").increment(by: max(0, count))
    }
}
