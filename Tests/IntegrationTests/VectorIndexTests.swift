// ragsync — the vector index follows the data, and the query contract returns k rows with high recall.

import Foundation
import IndexStore
import Logging
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Vector index upkeep and the query contract")
struct VectorIndexTests {
    // MARK: Policy (no database)

    @Test func smallStoresKeepNoApproximateIndex() {
        let policy = VectorIndexPolicy()
        #expect(policy.decide(rows: 500, current: nil) == .keep)
        let origin = VectorIndexState(method: "ivfflat", lists: 100, isValid: true, builtForRows: nil)
        guard case .drop = policy.decide(rows: 500, current: origin) else {
            Issue.record("the origin's empty-table IVFFlat index should be dropped below the threshold")
            return
        }
    }

    @Test func aLargeStoreGetsIVFFlatWithListsFromItsSize() {
        let decision = VectorIndexPolicy().decide(rows: 20_000, current: nil)
        guard case .build(.ivfflat, let lists, _) = decision else {
            Issue.record("expected a build, got \(decision)")
            return
        }
        #expect(lists == 141)
        #expect(VectorIndexPolicy.lists(forRows: 4_000_000) == 2000)
        #expect(VectorIndexPolicy.lists(forRows: 0) == 1)
    }

    @Test func theIndexIsRebuiltOnlyWhenTheRowCountDrifted() {
        let built = VectorIndexState(method: "ivfflat", lists: 10, isValid: true, builtForRows: 10_000)
        let policy = VectorIndexPolicy()
        #expect(policy.decide(rows: 15_000, current: built) == .keep)
        #expect(policy.decide(rows: 19_999, current: built) == .keep)
        guard case .build = policy.decide(rows: 20_000, current: built) else {
            Issue.record("twice the rows should rebuild")
            return
        }
        let origin = VectorIndexState(method: "ivfflat", lists: 100, isValid: true, builtForRows: nil)
        guard case .build = policy.decide(rows: 15_000, current: origin) else {
            Issue.record("an index ragsync did not build for the data should be rebuilt")
            return
        }
    }

    @Test func hnswAndNoneAreHonoured() {
        let ivf = VectorIndexState(method: "ivfflat", lists: 10, isValid: true, builtForRows: 10_000)
        guard case .build(.hnsw, nil, _) = VectorIndexPolicy(method: .hnsw).decide(rows: 12_000, current: ivf) else {
            Issue.record("switching to HNSW should rebuild")
            return
        }
        let hnsw = VectorIndexState(method: "hnsw", lists: nil, isValid: true, builtForRows: 12_000)
        #expect(VectorIndexPolicy(method: .hnsw).decide(rows: 50_000, current: hnsw) == .keep)
        guard case .drop = VectorIndexPolicy(method: .none).decide(rows: 50_000, current: hnsw) else {
            Issue.record("none should drop")
            return
        }
    }

    // MARK: On the real database

    @Test func topKReturnsKRowsWithHighRecallFromTenToTwentyThousandChunks() async throws {
        try await PipelineHarness.with { harness in
            let store = try await harness.store()
            let maintainer = VectorIndexMaintainer()
            // The exact neighbours that tune each build are found on another connection while it builds, as after
            // a bulk pass.
            let sampler = PostgresClient(url: harness.databaseURL)
            var generator = ClusteredVectors(dimensions: 256, clusters: 200, seed: 7)
            var written = 0
            var actions: [String] = []
            for size in [10, 100, 1_000, 5_000, 10_000, 15_000, 20_000] {
                written = try await generator.fill(store, from: written, to: size)
                let outcome = try await maintainer.maintain(
                    model: store.model, on: harness.client, samplingOn: sampler, logger: Logger(label: "test"))
                actions.append("\(size):\(outcome.action.rawValue)")
                let result = try await harness.client.withConnection { connection in
                    try RecallMeasurement(samples: 40).measure(model: store.model, on: connection)
                }
                let measured = try #require(result)
                print("recall@10 at \(size) chunks: \(measured.recall) (\(outcome.action.rawValue), lists \(outcome.state?.lists.map(String.init) ?? "-"), probes \(outcome.state?.probes.map(String.init) ?? "-"))")
                #expect(measured.fewestRows == 10, "top-10 returned \(measured.fewestRows) rows at \(size) chunks")
                #expect(measured.recall >= 0.95, "recall@10 \(measured.recall) at \(size) chunks")
                // A filtered query (one category of ten) still returns k rows.
                let probe = generator.query()
                let filtered = try await harness.client.withConnection { connection in
                    try VectorSearchSQL.run(
                        on: connection, vector: PostgresVector(probe), model: store.model, category: "c3", limit: 10,
                        exact: false)
                }
                let inCategory = try await harness.count(
                    "SELECT count(*) FROM document_chunks WHERE category = 'c3'")
                #expect(filtered.count == min(10, inCategory), "filtered top-10 at \(size) chunks")
            }
            // Built once the store is big enough, kept at 1.5x, rebuilt at 2x.
            #expect(actions == [
                "10:kept", "100:kept", "1000:kept", "5000:kept", "10000:built", "15000:kept", "20000:built",
            ])
        }
    }

    @Test func vectorsThatDoNotClusterKeepExactSearchAndSayWhy() async throws {
        try await PipelineHarness.with { harness in
            let store = try await harness.store()
            let maintainer = VectorIndexMaintainer()
            // As many centres as vectors: no cluster for IVFFlat's lists to follow.
            var generator = ClusteredVectors(dimensions: 256, clusters: 10_000, seed: 11)
            _ = try await generator.fill(store, from: 0, to: 10_000)
            let outcome = try await maintainer.maintain(model: store.model, on: harness.client, logger: Logger(label: "test"))
            #expect(outcome.action == .dropped)
            #expect(outcome.reason.contains("exact search"), "\(outcome.reason)")
            #expect(outcome.state?.method == VectorIndexState.exactMethod)
            #expect(try await harness.count(
                "SELECT count(*) FROM pg_indexes WHERE indexname = '\(VectorIndexState.indexName(for: store.model))'") == 0)
            // Searches return k rows, exactly, and the decision holds until the data has moved enough.
            let measured = try #require(try await harness.client.withConnection { connection in
                try RecallMeasurement(samples: 20).measure(model: store.model, on: connection)
            })
            #expect(measured.fewestRows == 10 && measured.recall == 1)
            let again = try await maintainer.maintain(model: store.model, on: harness.client, logger: Logger(label: "test"))
            #expect(again.action == .kept)
        }
    }

    @Test func theOriginsEmptyTableIndexGoesWithTheMigrationSoSearchReturnsKRows() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            // The origin's schema with its IVFFlat index built on an (almost) empty table, then 300 more vectors.
            try await OriginFixture.load("origin-uuid", into: client)
            try await client.query(
                """
                WITH chunks AS (
                    INSERT INTO document_chunks (chunk_id, content, source_file, chunk_index)
                    SELECT gen_random_uuid(), 'chunk ' || n, 'f' || n || '.md', 0 FROM generate_series(1, 300) AS n
                    RETURNING chunk_id
                )
                INSERT INTO chunk_embeddings (embedding_id, chunk_id, embedding, embedding_model)
                SELECT gen_random_uuid(), chunk_id,
                       (SELECT array_agg(random()::real) FROM generate_series(1, 1536 + 0 * length(chunk_id::text)))::vector,
                       'text-embedding-3-small'
                FROM chunks
                """)
            let plainQuery = """
                SELECT (SELECT count(*) FROM (SELECT 1 FROM chunk_embeddings
                        ORDER BY embedding <=> q.embedding LIMIT 10) nearest)
                FROM (SELECT embedding FROM chunk_embeddings LIMIT 20) q
                """
            // The failure ragsync exists to prevent: through an IVFFlat index built on an empty table, a plain
            // top-10 query (as the planner picks the index on a larger table) returns fewer rows than asked.
            func plainCounts() async throws -> [Int] {
                try await client.withConnection { connection in
                    try connection.transaction {
                        try connection.execute("SET LOCAL enable_seqscan = off")
                        return try connection.query(plainQuery).rows.compactMap { $0[0].flatMap { Int($0) } }
                    }
                }
            }
            let before = try await plainCounts()
            print("origin's empty-table index, 301 rows: plain top-10 queries returned \(before) rows")
            #expect(before.contains { $0 < 10 })

            _ = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: Logger(label: "test"))
            #expect(try await client.query(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_embedding_vector_cosine'").scalarInt == 0)
            #expect(try await plainCounts().allSatisfy { $0 == 10 })
            let after = try await client.withConnection { connection in
                try RecallMeasurement(samples: 20).measure(model: "text-embedding-3-small", on: connection)
            }
            #expect(after?.fewestRows == 10)
            #expect(after?.recall == 1)
        }
    }

    @Test(arguments: ["origin-uuid", "origin-integer"])
    func searchLogLandsInQueryLogsOfEitherIdType(fixture: String) async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let store = try await OriginFixture.migratedStore(fixture, into: client, model: "text-embedding-3-small")
            let ids = try await client.query("SELECT chunk_id::text FROM document_chunks ORDER BY 1").rows.map { $0[0]! }
            try await store.logQuery("ragsync --log test query", retrievedChunkIds: ids)
            let logged = try await client.query(
                "SELECT retrieved_chunk_ids::text FROM query_logs WHERE query_text = $1", ["ragsync --log test query"]
            ).scalar
            let text = try #require(logged)
            for id in ids { #expect(text.contains(id)) }
        }
    }
}

/// Vectors around a few hundred random centres, as real embeddings of related texts cluster; deterministic.
struct ClusteredVectors {
    let dimensions: Int
    private var centres: [[Float]] = []
    private var state: UInt64
    private var documents = 0

    init(dimensions: Int, clusters: Int, seed: UInt64) {
        self.dimensions = dimensions
        state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        for _ in 0..<clusters { centres.append(randomUnit()) }
    }

    private mutating func nextUniform() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24) * 2 - 1
    }

    private mutating func randomUnit() -> [Float] {
        normalized((0..<dimensions).map { _ in nextUniform() })
    }

    private func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / norm }
    }

    /// A vector near a random centre.
    mutating func query() -> [Float] {
        let centre = centres[Int(UInt64(abs(nextUniform()) * Float(centres.count))) % centres.count]
        let noise = randomUnit()
        return normalized(zip(centre, noise).map { $0 + 0.6 * $1 })
    }

    /// Writes synthetic documents through the store until it holds `total` chunks.
    /// - Returns: the new total.
    mutating func fill(
        _ store: DocumentStore, from start: Int, to total: Int, chunksPerDocument: Int = 100
    ) async throws -> Int {
        var written = start
        while written < total {
            let count = min(chunksPerDocument, total - written)
            let document = documents
            documents += 1
            var chunks: [ChunkRow] = []
            for index in 0..<count {
                let id = written + index
                chunks.append(
                    ChunkRow(
                        index: index, content: "Synthetic chunk \(id).", contentHash: "hash-\(id)",
                        metadataJSON: "{}", vector: query()))
            }
            try await store.replace(
                DocumentUpdate(
                    sourceFile: "synthetic/doc\(document).md", contentHash: "doc-\(document)-\(written)",
                    byteCount: 100, title: "Synthetic \(document)", category: "c\(document % 10)", chunks: chunks))
            written += count
        }
        return written
    }
}
