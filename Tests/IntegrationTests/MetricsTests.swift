// ragsync — `ragsync watch` with RAGSYNC_METRICS_LISTEN: the counters follow documents as they change (issue 12).

import Foundation
import RagsyncTestSupport
import Testing

@Suite("Metrics of the running daemon")
struct MetricsTests {
    @Test func aScrapeWhileDocumentsChangeCountsEveryChange() async throws {
        // Port 0: the system picks a free one and the daemon logs it (a port chosen here first could be taken by a
        // test running beside this one before the daemon binds it).
        try await WatchHarness.with(
            files: ["a.md": document("A", "First version.")], environment: ["RAGSYNC_METRICS_LISTEN": "127.0.0.1:0"]
        ) { harness in
            try await Self.checkCountsFollowChanges(harness, port: try Self.metricsPort(in: harness.daemon.log))
        }
    }

    /// The port in the daemon's "serving metrics on http://127.0.0.1:PORT/metrics" line.
    private static func metricsPort(in log: String) throws -> UInt16 {
        let marker = "serving metrics on http://127.0.0.1:"
        guard let start = log.range(of: marker)?.upperBound,
            let port = UInt16(log[start...].prefix { $0.isNumber }), port != 0
        else { throw TestSetupError("the daemon never said where it serves metrics:\n\(log)") }
        return port
    }

    private static func checkCountsFollowChanges(_ harness: WatchHarness, port: UInt16) async throws {
        let before = try MetricsScraper.scrape(port: port)
        #expect(before["ragsync_documents_indexed_total"] == 1)
        #expect((before["ragsync_embedding_requests_total{outcome=\"success\"}"] ?? 0) >= 1)
        #expect((before["ragsync_embedding_tokens_total"] ?? 0) > 0)
        #expect((before["ragsync_inotify_watches"] ?? 0) >= 1)
        #expect(before["ragsync_passes_total{kind=\"full\"}"] == 1)
        #expect(before.keys.contains("ragsync_seconds_since_last_successful_pass"))

        try harness.write("b.md", document("B", "A new page."))
        try await harness.waitForText("b.md", containing: "A new page.")
        try harness.write("a.md", document("A", "Second version."))
        try await harness.waitForText("a.md", containing: "Second version.")
        try FileManager.default.removeItem(at: harness.content.appendingPathComponent("b.md"))
        try await harness.eventually("b.md removed") { try await harness.storedText("b.md") == nil }

        let after = try await Self.scrapeUntil(port: port) { ($0["ragsync_documents_removed_total"] ?? 0) >= 1 }
        #expect(after["ragsync_documents_indexed_total"] == 3)
        #expect(after["ragsync_documents_removed_total"] == 1)
        #expect((after["ragsync_chunks_embedded_total"] ?? 0) >= 3)
        #expect((after["ragsync_change_to_commit_seconds_count"] ?? 0) >= 3)
        #expect((after["ragsync_embedding_request_duration_seconds_count"] ?? 0) >= 3)
        #expect(after["ragsync_queue_depth"] == 0)
    }

    /// Scrapes until `condition` holds (the pass that commits a change updates its counters a moment later).
    private static func scrapeUntil(
        port: UInt16, _ condition: ([String: Double]) -> Bool
    ) async throws -> [String: Double] {
        let deadline = ContinuousClock.now + .seconds(10)
        var samples = try MetricsScraper.scrape(port: port)
        while !condition(samples), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            samples = try MetricsScraper.scrape(port: port)
        }
        return samples
    }
}
