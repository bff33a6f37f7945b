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

    /// Random pipelines of inserts, reads and failing statements, inside transactions or alone, with ordinary
    /// statements between them, against a model of the table: a pipeline's writes last only when it had no failure
    /// and its transaction committed, each result answers its own statement, and the connection always works on.
    /// Now and then the session drops its prepared statements (as a pooler's next session lacks them) or the client
    /// reconnects (and prepares again).
    @Test(arguments: SeededGenerator.seeds(default: [31, 32]))
    func randomPipelinesLeaveTheTableAsTheirModelSays(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        let replay = "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed))"
        try await TestDatabase.withFreshDatabase { url in
            var connection = try PostgresConnection(url: url)
            try connection.execute("CREATE TABLE t (n int PRIMARY KEY)")
            var model = Set<Int>()
            for round in 0..<150 {
                switch Int.random(in: 0..<20, using: &random) {
                case 0: try connection.execute("DEALLOCATE ALL")
                case 1: connection = try PostgresConnection(url: url)
                default: break
                }
                var statements: [PostgresStatement] = []
                var expected: [(sql: String, count: Int)] = []
                var written = Set<Int>()
                var fails = false
                for _ in 0..<Int.random(in: 0...6, using: &random) {
                    switch Int.random(in: 0..<10, using: &random) {
                    case 0:
                        // A unique violation when the value is stored or written earlier in this pipeline.
                        let value = Int.random(in: 0..<40, using: &random)
                        fails = fails || model.contains(value) || written.contains(value)
                        statements.append(PostgresStatement("INSERT INTO t VALUES ($1::int)", ["\(value)"]))
                        written.insert(value)
                        expected.append(("insert", 1))
                    case 1:
                        fails = true
                        statements.append(PostgresStatement("SELECT 1 / (n - n) FROM (SELECT 1 AS n) AS one"))
                        expected.append(("fail", 0))
                    case 2, 3:
                        let (low, high) = (Int.random(in: 0..<20, using: &random), Int.random(in: 20..<60, using: &random))
                        statements.append(PostgresStatement(
                            "SELECT n FROM t WHERE n BETWEEN $1::int AND $2::int", ["\(low)", "\(high)"]))
                        expected.append(("read", (model.union(written)).filter { (low...high).contains($0) }.count))
                    default:
                        let value = Int.random(in: 40..<100_000, using: &random)
                        if model.contains(value) || written.contains(value) { continue }
                        statements.append(PostgresStatement("INSERT INTO t VALUES ($1::int)", ["\(value)"]))
                        written.insert(value)
                        expected.append(("insert", 1))
                    }
                }
                let inTransaction = Bool.random(using: &random)
                do {
                    let results = try inTransaction
                        ? connection.transaction { try connection.pipeline(statements) }
                        : connection.pipeline(statements)
                    #expect(!fails, "\(replay), round \(round): a pipeline with a failing statement succeeded")
                    #expect(results.count == statements.count, "\(replay), round \(round)")
                    for (result, statement) in zip(results, expected) where statement.sql != "fail" {
                        let count = statement.sql == "read" ? result.count : result.affectedRowCount
                        #expect(count == statement.count, "\(replay), round \(round): \(statement.sql)")
                    }
                    model.formUnion(written)
                } catch let error as PostgresError {
                    #expect(fails, "\(replay), round \(round): \(error)")
                    #expect(error.code == .queryFailed, "\(replay), round \(round): \(error)")
                }
                // Outside a transaction a pipeline is one implicit transaction: a failure undoes it whole too.
                let stored = try connection.query("SELECT n FROM t").decoded { row throws(PostgresError) in try row.int(0) }
                #expect(Set(stored) == model, "\(replay), round \(round)")
            }
        }
    }

    /// A chunk planned as a copy of a stored embedding whose embedding is gone by the write: the pipelined write
    /// names its hash, and nothing of the document is written.
    @Test(arguments: ["origin-uuid", "origin-integer"])
    func aWriteWhoseEmbeddingToCopyVanishedNamesItsHashAndWritesNothing(fixture: String) async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let store = try await OriginFixture.migratedStore(fixture, into: client, model: "pipeline-test")
            let vector = OriginFixture.unitVector(at: 0)
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
