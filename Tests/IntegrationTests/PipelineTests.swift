// ragsync — statements sent in one pipeline run in order, and a failure among them is reported and undone.

import Foundation
import IndexStore
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Pipelined statements on the real PostgreSQL")
struct PipelineTests {
    @Test func pipelinedStatementsReturnTheirResultsInOrder() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try PostgresConnection(url: url)
            let results = try connection.pipeline([
                PostgresStatement("CREATE TABLE t (n int)"),
                PostgresStatement("INSERT INTO t SELECT generate_series(1, $1::int)", ["3"]),
                PostgresStatement("SELECT sum(n) FROM t"),
                PostgresStatement("SELECT $1::text || $2::text", ["a", "b"]),
            ])
            #expect(results.count == 4)
            #expect(results[1].affectedRowCount == 3)
            #expect(results[2].scalar == "6")
            #expect(results[3].scalar == "ab")
            // The connection is back out of pipeline mode: an ordinary statement runs.
            #expect(try connection.query("SELECT count(*) FROM t").scalar == "3")
        }
    }

    @Test func aFailedStatementThrowsItsErrorAndSkipsTheRest() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try PostgresConnection(url: url)
            try connection.execute("CREATE TABLE t (n int PRIMARY KEY)")
            do {
                _ = try connection.transaction {
                    try connection.pipeline([
                        PostgresStatement("INSERT INTO t VALUES (1)"),
                        PostgresStatement("INSERT INTO t VALUES (1)"),
                        PostgresStatement("INSERT INTO t VALUES (2)"),
                    ])
                }
                Issue.record("a duplicate key in a pipeline did not throw")
            } catch let error as PostgresError {
                #expect(error.code == .queryFailed)
                #expect(error.sqlState == "23505")
            }
            // The transaction was rolled back whole, and the connection works on.
            #expect(try connection.query("SELECT count(*) FROM t").scalar == "0")
            try connection.pipeline([PostgresStatement("INSERT INTO t VALUES (3)"), PostgresStatement("INSERT INTO t VALUES (4)")])
            #expect(try connection.query("SELECT count(*) FROM t").scalar == "2")
        }
    }

    @Test func aBackendEndingMidPipelineThrowsAnErrorARetryCanCure() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try PostgresConnection(url: url)
            // The backend ends itself mid-pipeline (through a pooler, the server connection does).
            let error = #expect(throws: PostgresError.self) {
                try connection.pipeline([
                    PostgresStatement("SELECT pg_terminate_backend(pg_backend_pid())"),
                    PostgresStatement("SELECT pg_sleep(0.2)"),
                    PostgresStatement("SELECT 1"),
                ])
            }
            // A retry after a pause can cure it: the caller reconnects, as after any lost connection.
            #expect(error?.isTransient == true)
        }
    }

    /// A chunk planned as a copy of a stored embedding whose embedding is gone by the write: the pipelined write
    /// names its hash, and nothing of the document is written.
    @Test(arguments: ["origin-uuid", "origin-integer"])
    func aWriteWhoseEmbeddingToCopyVanishedNamesItsHashAndWritesNothing(fixture: String) async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let store = try await OriginFixture.migratedStore(fixture, into: client, model: "pipeline-test")
            var vector = [Float](repeating: 0, count: 1536)
            vector[0] = 1
            let update = DocumentUpdate(
                sourceFile: "gone.md", contentHash: "hash-gone", byteCount: 10, title: "Gone", category: nil,
                chunks: [
                    ChunkRow(index: 0, content: "kept", contentHash: "has-a-vector", metadataJSON: "{}", vector: vector),
                    ChunkRow(index: 1, content: "copied", contentHash: "never-embedded", metadataJSON: "{}", vector: nil),
                ])
            do {
                try await store.replace(update)
                Issue.record("a copy of an embedding that does not exist was written")
            } catch DocumentStoreError.embeddingVanished(let hashes) {
                #expect(hashes == ["never-embedded"])
            }
            let rows = try await client.query("SELECT count(*) FROM document_chunks WHERE source_file = 'gone.md'")
            #expect(rows.scalar == "0")
            #expect(try await store.documents()["gone.md"] == nil)
        }
    }
}
