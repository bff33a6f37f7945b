// ragsync — with no API key and no server, ragsync indexes and searches with the in-process model.

import Foundation
import Logging
import Postgres
import RagsyncKit
import RagsyncTestSupport
import Testing

@Suite("The local embedder")
struct LocalEmbedderTests {
    /// The configuration a fresh machine without a key gets: no OPENAI_* variables at all.
    private func configuration(databaseURL: String) throws -> RagsyncConfiguration {
        try RagsyncConfiguration(environment: [
            "DATABASE_URL": databaseURL,
            "RAGSYNC_CONTENT_DIR": TestDatabase.repositoryRoot.appendingPathComponent("content").path,
        ])
    }

    @Test func withoutKeyOrServerTheLocalModelIsChosen() throws {
        let configuration = try configuration(databaseURL: "postgresql://localhost/unused")
        #expect(configuration.embedder == .local)
        #expect(configuration.embeddingModel == "all-MiniLM-L6-v2")
        #expect(configuration.embeddingDimensions == 384)
    }

    @Test func theSampleResumeIsIndexedAndSearchedOffline() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let configuration = try configuration(databaseURL: url)
            let logger = Logger(label: "test")
            _ = try await Migration.run(configuration: configuration, logger: logger)
            let context = try await RagsyncContext.open(configuration: configuration, logger: logger)
            let summary = try await context.makeSyncEngine().reconcile()
            #expect(summary.failed == 0)
            #expect(summary.indexed == 5)

            // No chunk is longer than the model reads.
            let embedder = try context.makeEmbedder()
            let chunker = try context.makeChunker(for: embedder)
            let longest = try await context.client.query("SELECT content FROM document_chunks").rows
                .map { chunker.counter.tokenCount($0[0]!) }.max() ?? 0
            #expect(longest <= 254)

            let models = try await context.client.query("SELECT DISTINCT embedding_model FROM chunk_embeddings").rows
            #expect(models.map { $0[0] } == ["all-MiniLM-L6-v2"])
            let hits = try await SearchQuery(text: "What is her experience with Kafka streaming?", limit: 3).run(
                store: context.store, embedder: embedder).hits
            #expect(hits.first?.sourceFile == "resume.md")
            #expect(
                hits.first?.headingPath == "Maya Okafor > Experience > Northwind Logistics — Staff Engineer (2021–present)",
                "got \(hits.map { $0.headingPath ?? "" })")
        }
    }
}
