// ragsync — the two held-out crashes of issue 15, replayed: a chunk target above the old maximum, and a folder moved
// into a folder that was itself just moved in while a pass was running.

import Foundation
import Indexer
import RagsyncKit
import SyncCore
import RagsyncTestSupport
import Testing

@Suite("Sequences that crashed the daemon once")
struct CrashRegressionTests {
    @Test func aChunkTargetAboveTheOldMaximumIndexesWithChunksUnderTheNewMaximum() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("long.md", SampleText.longDocument(paragraphs: 120))
            let summary = try await harness.sync(environment: ["RAGSYNC_CHUNK_TOKENS": "1200"])
            #expect(summary.indexed == 1)
            #expect(summary.failed == 0)
            let chunks = try await harness.count("SELECT count(*) FROM document_chunks WHERE source_file = 'long.md'")
            let longest = try await harness.count(
                "SELECT max(length(content)) FROM document_chunks WHERE source_file = 'long.md'")
            #expect(chunks >= 2)
            // 2,400 tokens at most (twice the target), at roughly 4 characters a token in this prose.
            #expect(longest < 2400 * 6)
        }
    }

    @Test func theLargestChunkTargetIsAccepted() throws {
        let options = try ChunkingOptions(targetTokens: 4000, overlapTokens: 100)
        #expect(options.maxTokens > options.targetTokens)
        #expect(options.maxTokens <= ChunkingOptions.largestDefaultMaxTokens)
    }

    @Test func aBatchNamingAFolderAndAFolderInsideItIndexesEachDocumentOnce() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("n1/a.md", "# A\n\nFirst document.\n")
            try harness.write("n1/n2/b.md", "# B\n\nSecond document.\n")
            let summary = try await harness.sync(scope: ChangeBatch(folders: ["n1", "n1/n2"]))
            #expect(summary.indexed == 2)
            #expect(summary.failed == 0)
            #expect(try await harness.count("SELECT count(DISTINCT source_file) FROM document_chunks") == 2)
        }
    }

    @Test func aFolderMovedIntoAFolderJustMovedInWhileAPassRunsIsIndexedAndTheDaemonStaysUp() async throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-outside-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outside) }
        for (folder, name) in [("x", "a"), ("y", "b")] {
            let directory = outside.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data("# \(name)\n\nText of \(name) in \(folder).\n".utf8).write(
                to: directory.appendingPathComponent("\(name).md"))
        }
        try await WatchHarness.with(serverArguments: ["--latency-ms", "800"]) { harness in
            // A pass starts and waits 800 ms on the embedding server…
            try harness.write("trigger.md", "# Trigger\n\nStarts a slow pass.\n")
            try await harness.eventually("the slow pass has asked for embeddings", timeout: .seconds(60)) {
                try await harness.server.stats().requests > 0
            }
            // …while a folder moves in, and a folder moves into that one a moment later (issue 15, crash 2).
            try FileManager.default.moveItem(
                at: outside.appendingPathComponent("x"), to: harness.content.appendingPathComponent("n1"))
            try await Task.sleep(for: .milliseconds(50))
            try FileManager.default.moveItem(
                at: outside.appendingPathComponent("y"), to: harness.content.appendingPathComponent("n1/n2"))
            try await harness.waitForText("n1/n2/b.md", containing: "Text of b")
            try await harness.waitForText("n1/a.md", containing: "Text of a")
            #expect(try await harness.sourceFiles() == ["trigger.md", "n1/a.md", "n1/n2/b.md"])
        }
    }
}
