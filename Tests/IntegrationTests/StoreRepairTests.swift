// ragsync — rows edited or deleted behind ragsync's back are found by a full reconcile and written again (issue 16).

import Foundation
import RagsyncKit
import SyncCore
import RagsyncTestSupport
import Testing

@Suite("The store heals itself")
struct StoreRepairTests {
    private func withIndexedFiles(_ body: (PipelineHarness) async throws -> Void) async throws {
        try await PipelineHarness.with { harness in
            try harness.write("a.md", SampleText.longDocument(paragraphs: 20))
            try harness.write("b.md", "# B\n\nA short page.\n")
            try harness.write("c/d.md", SampleText.longDocument(paragraphs: 8, tags: "[x]"))
            #expect(try await harness.sync().indexed == 3)
            _ = try await harness.takeStats()
            try await body(harness)
        }
    }

    private func contents(_ harness: PipelineHarness) async throws -> [String] {
        try await harness.client.query("SELECT content FROM document_chunks ORDER BY source_file, chunk_index")
            .rows.map { ($0.first ?? nil) ?? "" }
    }

    @Test func deletedEmbeddingsAreEmbeddedAgainOnceEach() async throws {
        try await withIndexedFiles { harness in
            let hashes = try await harness.count("SELECT count(DISTINCT content_hash) FROM ragsync_chunks")
            try await harness.client.query("DELETE FROM chunk_embeddings")
            let summary = try await harness.sync()
            #expect(summary.repaired == 3)
            #expect(try await harness.takeStats().inputs == hashes)
            let unembedded = try await harness.count(
                "SELECT count(*) FROM document_chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.chunk_id)")
            #expect(unembedded == 0)
            let again = try await harness.sync()
            #expect(again.repaired == 0)
            #expect(again.unchanged == 3)
        }
    }

    @Test func editedChunkContentIsWrittenBackWithoutEmbedding() async throws {
        try await withIndexedFiles { harness in
            let before = try await contents(harness)
            try await harness.client.query(
                "UPDATE document_chunks SET content = 'tampered' WHERE chunk_id IN (SELECT chunk_id FROM document_chunks WHERE source_file = 'a.md' LIMIT 2)")
            let summary = try await harness.sync()
            #expect(summary.repaired == 1)
            #expect(try await harness.takeStats().inputs == 0)
            #expect(try await contents(harness) == before)
        }
    }

    @Test func aCleanStoreIsNotScannedAgainUntilAnotherWriterWritesTheChunkTables() async throws {
        try await withIndexedFiles { harness in
            // The first pass of a store found it clean and recorded the count of other writers' writes.
            #expect(try await harness.sync().scannedForDrift == false)
            try await harness.client.query(
                "UPDATE document_chunks SET content = 'tampered' WHERE chunk_id = (SELECT chunk_id FROM document_chunks ORDER BY chunk_id LIMIT 1)")
            let repairing = try await harness.sync()
            #expect(repairing.scannedForDrift && repairing.repaired == 1)
            // The repair is checked by the next pass, which finds the store clean; the one after skips the scan.
            let checking = try await harness.sync()
            #expect(checking.scannedForDrift && checking.repaired == 0)
            #expect(try await harness.sync().scannedForDrift == false)
            // A statement that changes no row counts as well: the count is per statement.
            try await harness.client.query("DELETE FROM chunk_embeddings WHERE false")
            #expect(try await harness.sync().scannedForDrift)
            // TRUNCATE fires no row trigger; it is counted too.
            try await harness.client.query("TRUNCATE ragsync_chunks")
            let truncated = try await harness.sync()
            #expect(truncated.scannedForDrift && truncated.repaired == 3)
            #expect(try await harness.sync().repaired == 0)
            #expect(try await harness.sync().scannedForDrift == false)
            // Another writer inside a transaction of its own is counted when it commits.
            _ = try await harness.client.transaction { connection in
                try connection.query(
                    "DELETE FROM chunk_embeddings WHERE chunk_id = (SELECT chunk_id FROM chunk_embeddings ORDER BY chunk_id LIMIT 1)")
            }
            let afterTransaction = try await harness.sync()
            #expect(afterTransaction.scannedForDrift && afterTransaction.repaired == 1)
        }
    }

    @Test func ragsyncsOwnWritesAreNotCountedAsAnotherWritersWrites() async throws {
        try await withIndexedFiles { harness in
            let generation = "SELECT generation FROM ragsync_foreign_writes"
            let before = try await harness.count(generation)
            try harness.write("a.md", SampleText.longDocument(paragraphs: 21))
            try harness.write("new.md", "# New\n\nA page added.\n")
            try harness.move("b.md", "b2.md")
            try harness.remove("c/d.md")
            let summary = try await harness.sync()
            #expect(summary.indexed >= 2, "indexed \(summary.indexed)")
            #expect(summary.renamed == 1, "renamed \(summary.renamed)")
            #expect(summary.removed == 1, "removed \(summary.removed)")
            // A watcher's pass over one file, and its deletion.
            try harness.write("new.md", "# New\n\nA page edited.\n")
            _ = try await harness.sync(scope: ChangeBatch(files: ["new.md"]))
            try harness.remove("new.md")
            _ = try await harness.sync(scope: ChangeBatch(files: ["new.md"]))
            #expect(try await harness.count(generation) == before)
            #expect(try await harness.sync().scannedForDrift == false)
        }
    }

    @Test func aDeletedChunkRowIsWrittenAgainWithItsOldId() async throws {
        try await withIndexedFiles { harness in
            let before = try await contents(harness)
            let idsBefore = try await harness.chunkIds("c/d.md")
            try await harness.client.query(
                "DELETE FROM document_chunks WHERE chunk_id = (SELECT chunk_id FROM document_chunks WHERE source_file = 'c/d.md' ORDER BY chunk_index DESC LIMIT 1)")
            let summary = try await harness.sync()
            #expect(summary.repaired == 1)
            #expect(try await contents(harness) == before)
            // Ids logged in query_logs stay valid: the row comes back with the id it had.
            #expect(try await harness.chunkIds("c/d.md") == idsBefore)
        }
    }
}

@Suite("ragsync check --repair")
struct CheckRepairCommandTests {
    @Test func checkReportsDamageExitsOneAndRepairFixesItThroughTheRealBinary() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("a.md", SampleText.longDocument(paragraphs: 10))
            _ = try await harness.sync()
            try await harness.client.query("DELETE FROM chunk_embeddings")
            let environment = [
                "DATABASE_URL": harness.databaseURL, "OPENAI_BASE_URL": harness.server.baseURL,
                "RAGSYNC_CONTENT_DIR": harness.content.path, "RAGSYNC_EMBEDDING_DIMENSIONS": "256", "PATH": "/usr/bin:/bin",
            ]
            let binary = DaemonProcess.executable.path
            let check = try await ChildCommand.runDetached([binary, "check", "--samples", "5"], environment: environment)
            #expect(check.status == 1, "\(check.output)")
            #expect(check.output.contains("damaged: a.md"))
            let repair = try await ChildCommand.runDetached(
                [binary, "check", "--repair", "--samples", "5"], environment: environment)
            #expect(repair.status == 0, "\(repair.output)")
            #expect(repair.output.contains("repaired"))
            let after = try await ChildCommand.runDetached([binary, "check", "--samples", "5"], environment: environment)
            #expect(after.status == 0, "\(after.output)")
        }
    }
}

@Suite("Embeddings whose chunk is gone")
struct OrphanedEmbeddingTests {
    @Test func aDatabaseWithoutTheCascadeGetsItsStrayEmbeddingsReportedAndDeleted() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("a.md", SampleText.longDocument(paragraphs: 10))
            _ = try await harness.sync()
            // An existing database whose chunk_embeddings has no foreign key: deleting a chunk leaves its embedding.
            try await harness.client.query(
                "ALTER TABLE chunk_embeddings DROP CONSTRAINT IF EXISTS chunk_embeddings_chunk_id_fkey")
            try await harness.client.query(
                "DELETE FROM document_chunks WHERE chunk_id = (SELECT chunk_id FROM document_chunks ORDER BY chunk_index LIMIT 1)")
            let before = try await IndexCheck.run(context: try await harness.context(), samples: 5)
            #expect(before.orphanedEmbeddings == 1)
            #expect(before.hasDrift)
            let summary = try await harness.sync()
            #expect(summary.orphanedEmbeddingsDeleted == 1)
            #expect(summary.repaired == 1)
            let after = try await IndexCheck.run(context: try await harness.context(), samples: 5)
            #expect(after.orphanedEmbeddings == 0)
            #expect(!after.hasDrift)
        }
    }
}
