// ragsync — DaemonMetrics: what `ragsync watch` reports through swift-metrics (Prometheus with RAGSYNC_METRICS_LISTEN).

import CoreMetrics
import FoundationEssentials
import IndexStore
import Synchronization
import SyncCore

/// The daemon's counters, gauges and histograms, named as Prometheus expects them.
///
/// Counters add each pass's figures; gauges are set where the value is known (the queue and the watches by the
/// status loop, the vector index after its upkeep). Without a metrics back end every call does nothing.
struct DaemonMetrics: Sendable {
    /// When the last pass that raised no error ended, for `ragsync_seconds_since_last_successful_pass`.
    private let lastSuccess = LastSuccess()

    /// Adds a finished pass of `batch`, whose oldest change's age (``ChangeBatch/oldestChangeAge``) plus the pass's
    /// duration is its change-to-commit latency.
    func record(_ summary: SyncSummary, of batch: ChangeBatch) {
        Counter(label: "ragsync_documents_indexed_total").increment(by: summary.indexed)
        Counter(label: "ragsync_documents_renamed_total").increment(by: summary.renamed)
        Counter(label: "ragsync_documents_removed_total").increment(by: summary.removed)
        Counter(label: "ragsync_documents_failed_total").increment(by: summary.failed)
        Counter(label: "ragsync_chunks_embedded_total").increment(by: summary.chunksEmbedded)
        Counter(label: "ragsync_chunks_reused_total").increment(by: summary.chunksReused)
        Counter(label: "ragsync_passes_total", dimensions: [("kind", batch.isFullReconcile ? "full" : "changes")])
            .increment()
        // From the first event of the oldest change to the end of the pass (its last commit); full reconciles are
        // not a save, so they are left out.
        if !batch.isFullReconcile, summary.changedAnything, let age = batch.oldestChangeAge {
            Recorder(label: "ragsync_change_to_commit_seconds", aggregate: true)
                .record(age.seconds + summary.seconds)
        }
        // Documents put back for the embedding service's return.
        Gauge(label: "ragsync_pending_retries").record(summary.outage == nil ? 0 : summary.deferred.count)
        if summary.outage == nil {
            lastSuccess.set(Date())
            Gauge(label: "ragsync_last_successful_pass_timestamp_seconds").record(Date().timeIntervalSince1970)
        }
    }

    /// A pass failed for the database (or anything but an embedding outage); `pending` changes wait for the retry.
    func passFailed(pending: Int) {
        Counter(label: "ragsync_passes_failed_total").increment()
        Gauge(label: "ragsync_pending_retries").record(pending)
    }

    /// The queue and the watcher, as the status loop sees them.
    func observe(queued: Int, watcher: ContentWatcher.Report) {
        Gauge(label: "ragsync_queue_depth").record(queued)
        var (watches, polling) = (0, 0)
        switch watcher.mode {
        case .watching(let folders): watches = folders
        case .polling: polling = 1
        case .waitingForDirectory: break
        }
        Gauge(label: "ragsync_inotify_watches").record(watches)
        Gauge(label: "ragsync_polling").record(polling)
        Gauge(label: "ragsync_events_lost").record(watcher.eventsLost)
    }

    /// The vector index as its upkeep left it.
    func observe(_ index: VectorIndexState?) {
        Gauge(label: "ragsync_vector_index_recall").record(index?.recall ?? 1)
        Gauge(label: "ragsync_vector_index_probes").record(index?.probes ?? 0)
        Gauge(label: "ragsync_vector_index_lists").record(index?.lists ?? 0)
    }

    /// Sets the seconds since the last successful pass; called just before a scrape.
    func refreshDerivedGauges() {
        guard let last = lastSuccess.get() else { return }
        Gauge(label: "ragsync_seconds_since_last_successful_pass").record(Date().timeIntervalSince(last))
    }

    /// The end of the last successful pass, shared by the indexing loop and the scraper's thread.
    private final class LastSuccess: Sendable {
        private let date = Mutex<Date?>(nil)

        func set(_ date: Date) { self.date.withLock { $0 = date } }
        func get() -> Date? { date.withLock { $0 } }
    }
}
