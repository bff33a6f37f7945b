// ragsync — a document of more new vectors than a batch holds: embedded in slices staged in the store, then copied.

import Embedding
import Foundation
import IndexStore
import Postgres
import RagsyncKit
import RagsyncTestSupport
import Testing

@Suite("Vectors staged while a large document is embedded")
struct StagedEmbeddingTests {
    /// Four vectors of the harness's 256 dimensions: the long document's 32 chunks are embedded in eight slices.
    private let fourVectors = ["RAGSYNC_MAX_HELD_VECTOR_BYTES": "\(4 * 256 * 4)"]
    private let staged = "SELECT count(*) FROM ragsync_staged_embeddings"

    @Test func aDocumentEmbeddedInStagedSlicesStoresTheVectorsOfOneRequest() async throws {
        let text = SampleText.longDocument(paragraphs: 120)
        let whole = try await vectorsHeldWhole(of: text)
        try await PipelineHarness.with { harness in
            try harness.write("long.md", text)
            let summary = try await harness.sync(environment: fourVectors)
            #expect(summary.failed == 0, "\(summary.failures)")
            let chunks = try await harness.count("SELECT count(*) FROM document_chunks")
            #expect(chunks > 12, "the document must need several slices")
            let stats = try await harness.takeStats()
            // Every chunk once, in slices of four, and the outline in a request of its own.
            #expect(stats.inputs == chunks + 1)
            #expect(stats.requests == (chunks + 3) / 4 + 1)
            #expect(summary.chunksEmbedded == chunks)
            #expect(try await vectorsByChunk(harness) == whole)
            #expect(try await harness.count(staged) == 0, "staged vectors are deleted once written")
        }
    }

    @Test func aPassStoppedBetweenSlicesSendsItsStagedChunksNoMore() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("long.md", SampleText.longDocument(paragraphs: 120))
            // Two slices are embedded and staged; the third request is refused.
            try await harness.server.injectFault(mode: "401", count: 1, after: 2)
            let stopped = try await harness.sync(environment: fourVectors)
            #expect(stopped.deferred == ["long.md"])
            #expect(try await harness.count("SELECT count(*) FROM document_chunks") == 0)
            #expect(try await harness.count(staged) == 8)
            _ = try await harness.takeStats()

            let resumed = try await harness.sync(environment: fourVectors)
            #expect(resumed.failed == 0, "\(resumed.failures)")
            let chunks = try await harness.count("SELECT count(*) FROM document_chunks")
            #expect(try await harness.takeStats().inputs == chunks - 8 + 1, "the staged chunks are copied, not sent")
            #expect(try await harness.count(
                "SELECT count(*) FROM document_chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.chunk_id)"
            ) == 0)
            #expect(try await harness.count(staged) == 0)
        }
    }

    @Test func stagedVectorsGoneBeforeTheWriteAreEmbeddedAgainAndWritten() async throws {
        let text = SampleText.longDocument(paragraphs: 120)
        let whole = try await vectorsHeldWhole(of: text)
        try await PipelineHarness.with { harness in
            try harness.write("long.md", text)
            // The chunks in slices of four, then the outline's request: it comes after the last slice was staged and
            // before the write.
            let slices = (whole.count + 3) / 4
            let engine = try await harness.engine(environment: fourVectors) { client in
                StagedVectorsVanish(client: client, database: harness.client, beforeRequest: slices)
            }
            let summary = try await engine.reconcile()
            #expect(summary.failed == 0, "\(summary.failures)")
            let chunks = try await harness.count("SELECT count(*) FROM document_chunks")
            #expect(chunks == whole.count)
            #expect(try await harness.takeStats().inputs == 2 * chunks + 1, "every chunk embedded again, once")
            #expect(try await vectorsByChunk(harness) == whole)
            #expect(try await harness.count(staged) == 0)
        }
    }

    @Test(arguments: ["origin-uuid", "origin-integer"])
    func aWriteCopiesAStagedVectorWhenNoStoredEmbeddingHasItsHash(fixture: String) async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let store = try await OriginFixture.migratedStore(fixture, into: client, model: "pipeline-test")
            let vector = OriginFixture.unitVector(at: 7)
            try await store.stageEmbeddings(hashes: ["staged-hash"], vectors: [vector])
            try await store.replace(DocumentUpdate(
                sourceFile: "staged.md", contentHash: "hash-staged", byteCount: 10, title: "Staged", category: nil,
                chunks: [
                    ChunkRow(
                        index: 0, content: "copied", contentHash: "staged-hash", metadataJSON: "{}", vector: nil,
                        vectorIsStaged: true)
                ]))
            let stored = try await client.query(
                """
                SELECT e.embedding = $1::vector FROM document_chunks c JOIN chunk_embeddings e ON e.chunk_id = c.chunk_id
                WHERE c.source_file = 'staged.md' AND e.embedding_model = 'pipeline-test'
                """, [PostgresVector(vector)])
            #expect(stored.scalar == "t")
        }
    }

    @Test func vectorsStagedOverAnHourAgoAreDeletedByAFullPass() async throws {
        try await PipelineHarness.with { harness in
            let store = try await harness.store()
            let vector = [Float](repeating: 0.0625, count: 256)
            try await store.stageEmbeddings(hashes: ["old", "recent"], vectors: [vector, vector])
            try await harness.client.query(
                "UPDATE ragsync_staged_embeddings SET staged_at = now() - interval '61 minutes' WHERE content_hash = 'old'")
            _ = try await harness.sync()
            let left = try await harness.client.query("SELECT content_hash FROM ragsync_staged_embeddings").rows
            #expect(left.map { $0.first ?? nil } == ["recent"])
        }
    }

    @Test func aHeldVectorLimitUnderAKilobyteIsRefusedNamingTheSetting() throws {
        #expect {
            try RagsyncConfiguration(environment: [
                "DATABASE_URL": "postgresql://u@localhost/db", "RAGSYNC_MAX_HELD_VECTOR_BYTES": "1000",
            ])
        } throws: { error in
            "\(error)".contains("RAGSYNC_MAX_HELD_VECTOR_BYTES") && "\(error)".contains("1000")
        }
    }

    /// Each chunk's vector, by chunk index, when `text` is indexed as `long.md` with every vector held: the reference.
    private func vectorsHeldWhole(of text: String) async throws -> [String: String] {
        try await PipelineHarness.with { harness in
            try harness.write("long.md", text)
            _ = try await harness.sync()
            return try await vectorsByChunk(harness)
        }
    }

    /// Each chunk's vector as text, by chunk index.
    private func vectorsByChunk(_ harness: PipelineHarness) async throws -> [String: String] {
        let rows = try await harness.client.query(
            """
            SELECT c.chunk_index::text, e.embedding::text
            FROM document_chunks c JOIN chunk_embeddings e ON e.chunk_id = c.chunk_id
            """).rows
        var vectors: [String: String] = [:]
        for row in rows {
            if let index = row.first ?? nil, row.count > 1, let vector = row[1] { vectors[index] = vector }
        }
        return vectors
    }
}

/// The harness's client, except that before one request it deletes every staged vector, as a server crash empties
/// the unlogged table (or another process's hourly cleanup takes them) between a batch's staging and its write.
private struct StagedVectorsVanish: EmbeddingProvider {
    let client: any EmbeddingProvider
    let database: PostgresClient
    /// The request (counted from 0) before which the staged vectors go.
    let beforeRequest: Int
    private let requests = RequestCounter()

    var model: String { client.model }
    var dimensions: Int { client.dimensions }

    init(client: any EmbeddingProvider, database: PostgresClient, beforeRequest: Int) {
        self.client = client
        self.database = database
        self.beforeRequest = beforeRequest
    }

    func embed(_ texts: [String]) async throws(EmbeddingError) -> EmbeddingResponse {
        if await requests.next() == beforeRequest {
            _ = try? await database.query("DELETE FROM ragsync_staged_embeddings")
        }
        return try await client.embed(texts)
    }
}

private actor RequestCounter {
    private var count = 0

    func next() -> Int {
        defer { count += 1 }
        return count
    }
}
