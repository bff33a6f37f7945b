// ragsync — migrations on an empty database, twice, and on the origin project's schema with rows.

import Foundation
import IndexStore
import Logging
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Schema migrations on the real PostgreSQL")
struct SchemaMigrationTests {
    let logger = Logger(label: "test")

    @Test func migrateCreatesEveryTableAndIndexOnAnEmptyDatabase() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let report = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: logger)
            #expect(report.appliedVersions == Array(1...15))
            #expect(report.schema.chunkIdType == .uuid)
            // Any model's vectors fit: the column is untyped, and each model's dimension is recorded.
            #expect(report.schema.embeddingDimensions == nil)
            let tables = try await client.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            ).rows.map { $0[0]! }
            #expect(
                tables == [
                    "chunk_embeddings", "document_chunks", "query_logs", "ragsync_chunk_search", "ragsync_chunks", "ragsync_documents",
                    "ragsync_drift_checks", "ragsync_foreign_writes", "ragsync_frequent_lexemes", "ragsync_models", "ragsync_outline_embeddings", "ragsync_schema_migrations",
                    "ragsync_settings", "ragsync_sources", "ragsync_staged_embeddings", "ragsync_vector_index",
                ])
            let functions = Set(
                try await client.query(
                    "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname NOT LIKE 'vector%'"
                ).rows.compactMap { $0.first ?? nil })
            #expect(functions.isSuperset(of: ["match_document_chunks", "hybrid_search_document_chunks"]))
            let indexes = Set(try await client.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
                .rows.map { $0[0]! })
            for name in [
                "ix_document_chunks_source_file", "ix_document_chunks_category", "ix_chunk_embeddings_chunk_id",
                "idx_embedding_model",
            ] {
                #expect(indexes.contains(name), "missing index \(name)")
            }
        }
    }

    @Test func migrateTwiceAppliesNothingTheSecondTime() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            _ = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: logger)
            let second = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: logger)
            #expect(second.appliedVersions.isEmpty)
            let verified = try await SchemaMigrator(dimensions: 1536).verify(on: client)
            #expect(verified == second.schema)
        }
    }

    @Test func migrateOnTheOriginSchemaKeepsEveryRowAndTheWebAppsPlainQuery() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            try await OriginFixture.load("origin-uuid", into: client)
            let before = try await rowCounts(client)
            let vectorBefore = try await client.query("SELECT embedding::text FROM chunk_embeddings").scalar

            let report = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: logger)

            #expect(report.appliedVersions == Array(1...15))
            #expect(try await rowCounts(client) == before)
            #expect(before == [2, 1, 1])
            #expect(try await client.query("SELECT embedding::text FROM chunk_embeddings").scalar == vectorBefore)
            #expect(report.schema.retrievedChunkIdsType == .array(element: "uuid"))
            // The index on the whole column goes (ragsync builds one per model when the data calls for it); the
            // model in the table is recorded with its dimension and searched by default.
            #expect(try await client.query(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_embedding_vector_cosine'").scalarInt == 0)
            #expect(try await client.query("SELECT embedding_model || ':' || dimensions FROM ragsync_models").scalar
                == "text-embedding-3-small:1536")
            #expect(try await client.query("SELECT ragsync_active_model()").scalar == "text-embedding-3-small")
            // The origin web app's query, with and without the model named, still answers (as an exact scan).
            let query = PostgresVector([Float](repeating: 0.5, count: 1536))
            for sql in [
                "SELECT chunk_id FROM chunk_embeddings ORDER BY embedding <=> $1 LIMIT 5",
                "SELECT chunk_id FROM chunk_embeddings WHERE embedding_model = 'text-embedding-3-small' ORDER BY embedding <=> $1 LIMIT 5",
            ] {
                #expect(try await client.query(sql, [query]).rows.count == 1, "\(sql)")
            }
            // The origin had no id defaults; ragsync added one without touching existing ids.
            let inserted = try await client.query(
                """
                INSERT INTO document_chunks (content, source_file, chunk_index) VALUES ('x', 'x.md', 0)
                RETURNING chunk_id
                """
            ).scalar
            #expect(inserted.flatMap(UUID.init(uuidString:)) != nil)
        }
    }

    @Test func migrateOnAnOriginSchemaWithIntegerIdsAddsMissingDefaults() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            try await OriginFixture.load("origin-integer", into: client)

            let report = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: logger)

            #expect(report.schema.chunkIdType == .integer)
            #expect(report.schema.embeddingIdType == .integer)
            #expect(report.schema.retrievedChunkIdsType == .jsonb)
            #expect(try await rowCounts(client) == [1, 1, 1])
            let embeddingId = try await client.query(
                """
                INSERT INTO chunk_embeddings (chunk_id, embedding, embedding_model)
                VALUES (1, array_fill(0.1::real, ARRAY[1536])::vector, 'm') RETURNING embedding_id
                """
            ).scalar
            #expect(embeddingId == "8", "the new sequence starts after the largest existing id, 7")
        }
    }

    @Test func verifyOnAnUnmigratedDatabaseSaysToRunMigrate() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let error = await #expect(throws: StoreError.self) {
                _ = try await SchemaMigrator(dimensions: 1536).verify(on: PostgresClient(url: url))
            }
            #expect(error?.code == .notMigrated)
            #expect(error?.description.contains("ragsync migrate") == true)
        }
    }

    @Test func aModelWithVectorsKeepsItsDimensionAndTheErrorNamesBothNumbers() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            try await OriginFixture.load("origin-uuid", into: client)
            let report = try await SchemaMigrator(dimensions: 384).migrate(on: client, logger: logger)
            let catalog = ModelCatalog(client: client, schema: report.schema)
            let error = await #expect(throws: StoreError.self) {
                try await catalog.register("text-embedding-3-small", dimensions: 384)
            }
            #expect(error?.code == .dimensionMismatch(database: 1536, configured: 384))
            #expect(error?.description.contains("1536") == true)
            #expect(error?.description.contains("RAGSYNC_EMBEDDING_DIMENSIONS is 384") == true)
            // Another model of another dimension lives beside it.
            try await catalog.register("all-MiniLM-L6-v2", dimensions: 384)
            #expect(try await catalog.models().map { "\($0.name):\($0.dimensions):\($0.isActive)" } == [
                "text-embedding-3-small:1536:true", "all-MiniLM-L6-v2:384:false",
            ])
        }
    }

    @Test func aModelWithoutVectorsChangesItsDimensionFreely() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let report = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: logger)
            let catalog = ModelCatalog(client: client, schema: report.schema)
            try await catalog.register("m", dimensions: 1536)
            try await catalog.register("m", dimensions: 384)
            #expect(try await catalog.models().map(\.dimensions) == [384])
            #expect(try await catalog.activeModel() == "m")
        }
    }

    private func rowCounts(_ client: PostgresClient) async throws -> [Int] {
        var counts: [Int] = []
        for table in ["document_chunks", "chunk_embeddings", "query_logs"] {
            counts.append(Int(try await client.query("SELECT count(*) FROM \(table)").scalar!)!)
        }
        return counts
    }
}
