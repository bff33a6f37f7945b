// ragsync — several documents written in one transaction keep each chunk with its own document.

import Foundation
import IndexStore
import Logging
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Batched document writes on the real PostgreSQL")
struct BatchWriteTests {
    /// Two documents whose chunk indexes overlap (0, 1, …): ids returned by an integer-id table must still be
    /// matched to the right document's chunk, and each chunk's hash and vector must land on that chunk.
    @Test(arguments: ["origin-uuid", "origin-integer"])
    func aBatchOfDocumentsKeepsEveryChunkWithItsOwnDocument(fixture: String) async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let store = try await OriginFixture.migratedStore(fixture, into: client, model: "batch-test")

            let updates = ["a.md": 3, "b.md": 2, "c.md": 4].sorted { $0.key < $1.key }.map { path, count in
                document(path, chunks: count)
            }
            let results = try await store.replace(updates)
            #expect(results.map(\.inserted) == [3, 2, 4])

            let rows = try await client.query(
                """
                SELECT c.source_file, c.chunk_index, c.content, r.content_hash, r.source_file, e.embedding::text
                FROM document_chunks c
                JOIN ragsync_chunks r ON r.chunk_id = c.chunk_id
                JOIN chunk_embeddings e ON e.chunk_id = c.chunk_id AND e.embedding_model = 'batch-test'
                WHERE c.source_file = ANY($1::text[])
                ORDER BY 1, 2
                """, [PostgresArray(["a.md", "b.md", "c.md"])])
            #expect(rows.count == 9)
            for row in rows.rows {
                let path = row[0]!
                let index = Int(row[1]!)!
                #expect(row[2] == "\(path) chunk \(index)")
                #expect(row[3] == "\(path)#\(index)")
                #expect(row[4] == path)
                #expect(PostgresVector(postgresText: row[5]!)?.components == vector(path, index))
            }
            let documents = try await store.documents()
            #expect(documents["b.md"]?.chunkCount == 2)
            #expect(documents["c.md"]?.contentHash == "hash-c.md")
        }
    }

    private func document(_ path: String, chunks: Int) -> DocumentUpdate {
        DocumentUpdate(
            sourceFile: path, contentHash: "hash-\(path)", byteCount: 100, title: path, category: nil,
            chunks: (0..<chunks).map { index in
                ChunkRow(
                    index: index, content: "\(path) chunk \(index)", contentHash: "\(path)#\(index)", metadataJSON: "{}",
                    vector: vector(path, index))
            })
    }

    /// A distinct vector per chunk, so a chunk that got another's vector is caught.
    private func vector(_ path: String, _ index: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: 1536)
        vector[index] = 1
        vector[100 + Int(path.utf8.first!)] = 0.5
        return vector
    }
}
