// ragsync — `ragsync check` reports drift between disk and database and the index's recall, changing nothing.

import Foundation
import Logging
import RagsyncKit
import Testing

@Suite("ragsync check")
struct IndexCheckTests {
    @Test func anIndexedFolderHasNoDriftAndFullRecall() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("a.md", "# A\n\nAlpha.\n")
            try harness.write("b.md", "# B\n\nBeta.\n")
            _ = try await harness.sync()
            let check = try await IndexCheck.run(context: try await harness.context())
            #expect(!check.hasDrift)
            #expect(check.recall?.recall == 1)
            #expect(check.recall?.fewestRows == 2)  // k = 10, but the store holds two chunks
        }
    }

    @Test func missingStaleAndOrphanedDocumentsAreReportedWithoutChangingAnything() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("kept.md", "# Kept\n\nSame.\n")
            try harness.write("changed.md", "# Changed\n\nBefore.\n")
            try harness.write("deleted.md", "# Deleted\n\nGone soon.\n")
            _ = try await harness.sync()
            try harness.write("changed.md", "# Changed\n\nAfter.\n")
            try harness.remove("deleted.md")
            try harness.write("new.md", "# New\n\nNot indexed yet.\n")
            let check = try await IndexCheck.run(context: try await harness.context())
            #expect(check.missing == ["new.md"])
            #expect(check.stale == ["changed.md"])
            #expect(check.orphaned == ["deleted.md"])
            #expect(check.hasDrift)
            let stillThere = try await harness.count(
                "SELECT count(*) FROM document_chunks WHERE source_file = 'deleted.md'")
            #expect(stillThere > 0)
        }
    }
}

@Suite("Check reports rows changed by hand")
struct DamagedRowsCheckTests {
    @Test func rowsEditedOrDeletedByHandAreReportedAsDamaged() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("kept.md", "# Kept\n\nSame.\n")
            try harness.write("edited.md", "# Edited\n\nOriginal text.\n")
            try harness.write("unembedded.md", "# Unembedded\n\nLoses its vector.\n")
            _ = try await harness.sync()
            try await harness.client.query("UPDATE document_chunks SET content = 'tampered' WHERE source_file = 'edited.md'")
            try await harness.client.query(
                "DELETE FROM chunk_embeddings WHERE chunk_id IN (SELECT chunk_id FROM document_chunks WHERE source_file = 'unembedded.md')")
            let check = try await IndexCheck.run(context: try await harness.context())
            #expect(check.damaged.map(\.path) == ["edited.md", "unembedded.md"])
            #expect(check.damaged.first?.reason.contains("changed by another writer") == true)
            #expect(check.hasDrift)
            #expect(check.lines.contains { $0.hasPrefix("damaged: unembedded.md: 1 chunk(s) without an embedding") })
        }
    }
}
