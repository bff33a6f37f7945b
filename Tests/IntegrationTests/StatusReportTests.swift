// ragsync — `ragsync status` and `ragsync status --json` carry the same facts about this source and the database.

import Foundation
import IndexStore
import RagsyncKit
import RagsyncTestSupport
import Testing

@Suite("ragsync status")
struct StatusReportTests {
    @Test func theJSONCarriesTheSameFactsAsTheText() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("a.md", "# A\n\nFirst.\n")
            try harness.write("b.md", "# B\n\nSecond.\n")
            try harness.write("bad.md", "---\ntitle: [unclosed\n---\n\nBody.\n")
            _ = try await harness.sync()
            let configuration = try harness.configuration()
            let report = StatusReport(configuration: configuration, store: try await harness.store().status())

            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
            #expect(object["documents"] as? Int == 2)
            #expect(object["chunks"] as? Int == 2)
            #expect(object["source"] as? String == configuration.source)
            #expect((object["embeddings"] as? [String: Int])?["text-embedding-3-small"] == 2)
            let failures = try #require(object["documents_in_error"] as? [[String: Any]])
            #expect(failures.map { $0["path"] as? String } == ["bad.md"])
            let sources = try #require(object["sources"] as? [[String: Any]])
            #expect(sources.count == 1)
            #expect(sources.first?["current"] as? Bool == true)
            #expect(sources.first?["content_dir"] as? String == harness.content.path)
            let settings = try #require(object["settings"] as? [String: String])
            #expect(settings["RAGSYNC_SOURCE"] == configuration.source)
            // A key the report does not know is null, not missing: every key is always there.
            #expect(object.keys.contains("last_indexed"))

            let lines = report.lines
            #expect(lines.contains("documents: 2"))
            #expect(lines.contains("chunks: 2"))
            #expect(lines.contains("documents in error: 1"))
            #expect(lines.contains { $0.hasPrefix("  bad.md: ") })
            #expect(lines.contains { $0.hasPrefix("source \(configuration.source): 2 document(s)") && $0.hasSuffix("(this one)") })
        }
    }

    @Test func anotherSourcesDocumentsAreNotCountedAsThisSources() async throws {
        try await PipelineHarness.with { harness in
            let other = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-status-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: other) }
            try Data("# Other\n\nElsewhere.\n".utf8).write(to: other.appendingPathComponent("other.md"))
            try harness.write("mine.md", "# Mine\n\nHere.\n")
            _ = try await harness.sync()
            _ = try await harness.sync(environment: ["RAGSYNC_CONTENT_DIR": other.path])

            let status = try await harness.store().status()
            #expect(status.documents == 1)
            #expect(status.sources.map(\.documents) == [1, 1])
            #expect(status.embeddingsByModel.map(\.count) == [2])
        }
    }
}
