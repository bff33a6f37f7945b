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
            #expect(report.appliedVersions == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
            #expect(report.schema.chunkIdType == .uuid)
            #expect(report.schema.embeddingDimensions == 1536)
            let tables = try await client.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            ).rows.map { $0[0]! }
            #expect(
                tables == [
                    "chunk_embeddings", "document_chunks", "query_logs", "ragsync_chunk_search", "ragsync_chunks", "ragsync_documents",
                    "ragsync_frequent_lexemes", "ragsync_outline_embeddings", "ragsync_schema_migrations",
                    "ragsync_settings", "ragsync_sources", "ragsync_vector_index",
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

    @Test func migrateOnTheOriginSchemaKeepsEveryRowAndTheExistingVectorIndex() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            try await OriginFixture.load("origin-uuid", into: client)
            let before = try await rowCounts(client)
            let indexBefore = try await client.query(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_embedding_vector_cosine'").scalar

            let report = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: logger)

            #expect(report.appliedVersions == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
            #expect(try await rowCounts(client) == before)
            #expect(before == [2, 1, 1])
            #expect(report.schema.retrievedChunkIdsType == .array(element: "uuid"))
            let indexAfter = try await client.query(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_embedding_vector_cosine'").scalar
            #expect(indexAfter == indexBefore)
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

    @Test func aDimensionMismatchNamesBothNumbers() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            try await OriginFixture.load("origin-uuid", into: client)
            let error = await #expect(throws: StoreError.self) {
                _ = try await SchemaMigrator(dimensions: 384).migrate(on: client, logger: logger)
            }
            #expect(error?.code == .dimensionMismatch(database: 1536, configured: 384))
            #expect(error?.description.contains("vector(1536)") == true)
            #expect(error?.description.contains("384") == true)
            // The failed migration rolled back: nothing was applied.
            let applied = try await client.query("SELECT to_regclass('ragsync_schema_migrations') IS NULL").scalar
            #expect(applied == "t")
        }
    }

    @Test func migrateResizesAnEmptyEmbeddingsTableWhenAsked() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            _ = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: logger)
            let report = try await SchemaMigrator(dimensions: 384).migrate(
                on: client, resizeEmptyEmbeddings: true, logger: logger)
            #expect(report.schema.embeddingDimensions == 384)
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
