// ragsync — `sync` then `search` over the shipped ./content finds the section that answers the question.

import Embedding
import Foundation
import Logging
import RagsyncKit
import RagsyncTestSupport
import Testing

@Suite("Search over the sample content")
struct SampleContentSearchTests {
    @Test func searchOnTheSampleContentReturnsTheExpectedSectionFirst() async throws {
        try await PipelineHarness.with { harness in
            let samples = TestDatabase.repositoryRoot.appendingPathComponent("content")
            for name in try FileManager.default.subpathsOfDirectory(atPath: samples.path) where name.hasSuffix(".md") {
                try harness.write(name, try String(contentsOf: samples.appendingPathComponent(name), encoding: .utf8))
            }
            let summary = try await harness.sync()
            #expect(summary.failed == 0)
            #expect(summary.indexed >= 5)

            let context = try await RagsyncContext.open(
                configuration: try harness.configuration(), logger: Logger(label: "test"))
            let hits = try await SearchQuery(text: "time series database for buoy readings", limit: 3).run(
                store: context.store, embedder: try context.makeEmbedder()).hits
            #expect(hits.first?.sourceFile == "projects/tidewatch.md")
            // The page fits in one chunk, so it is one chunk; its Architecture section is in it.
            #expect(hits.first?.content.contains("TimescaleDB") == true)
        }
    }
}
