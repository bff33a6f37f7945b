// ragsync — switching embedding models (server 256-d → local 384-d → back) while a web host keeps querying.

import Embedding
import Foundation
import IndexStore
import Indexer
import Logging
import Postgres
import RagsyncKit
import RagsyncTestSupport
import Synchronization
import Testing

@Suite("Switching embedding models without downtime")
struct ModelSwitchTests {
    static let serverModel = "text-embedding-3-small"
    static let localModel = "all-MiniLM-L6-v2"

    @Test func theWebHostsQueriesFindRowsThroughoutASwitchToTheLocalModelAndBack() async throws {
        try await PipelineHarness.with { harness in
            for index in 0..<6 {
                let description = index.isMultiple(of: 2) ? "description: Notes on topic \(index) for the switch.\n" : ""
                try harness.write(
                    "doc\(index).md",
                    "---\ntitle: Topic \(index)\ncategory: test\n\(description)---\n\n# Topic \(index)\n\n"
                        + (0..<12).map { "## Part \($0)\n\n" + SampleText.paragraph(index * 10 + $0) }.joined(separator: "\n\n"))
            }
            _ = try await harness.sync()
            let server = try Self.serverEmbedder(harness)
            let local = try RagsyncContext.makeEmbedder(for: try Self.localConfiguration(harness), logger: Logger(label: "test"))
            let webHost = WebHost(databaseURL: harness.databaseURL, embedders: [Self.serverModel: server, Self.localModel: local])
            let queries = Task { await webHost.run() }
            try await webHost.waitForQuery(with: Self.serverModel)

            // Server → local. The daemon's work (an edit indexed with the active model) goes on meanwhile.
            try harness.write("doc1.md", "---\ntitle: Topic 1\n---\n\n# Topic 1\n\nRewritten while re-embedding.\n")
            async let edit = harness.sync()
            let first = try await Self.reembedder(harness, embedder: local).run()
            _ = try await edit
            // Anything the edit wrote after the first run ended is picked up by the next: a run resumes.
            let second = try await Self.reembedder(harness, embedder: local).run()
            #expect(first.rowsWritten + second.rowsWritten > 0)
            #expect(first.documentsNotRebuilt.isEmpty && second.documentsNotRebuilt.isEmpty)
            #expect(first.outlinesEmbedded + second.outlinesEmbedded > 0)
            #expect(try await harness.count(
                "SELECT count(*) FROM ragsync_outline_embeddings WHERE embedding_model = $1", [Self.localModel])
                == harness.count("SELECT count(DISTINCT outline_hash) FROM ragsync_documents"))
            let context = try await harness.context()
            try await context.activateModel(Self.localModel, allowMissing: false)
            try await webHost.waitForQuery(with: Self.localModel)
            // The daemon restarted with the local model: it cuts the documents again for the model's shorter input.
            let localSync = try await RagsyncContext.open(
                configuration: try Self.localConfiguration(harness), registeringModel: true, logger: Logger(label: "test"))
            #expect(try await localSync.makeSyncEngine().reconcile().failed == 0)
            #expect(try await context.pruneModel(Self.serverModel) >= 0)
            #expect(try await harness.count("SELECT count(*) FROM chunk_embeddings WHERE embedding_model = $1", [Self.serverModel]) == 0)

            // Local → server, the same way.
            try harness.write("doc2.md", "---\ntitle: Topic 2\n---\n\n# Topic 2\n\nRewritten again.\n")
            async let localEdit = localSync.makeSyncEngine().reconcile()
            _ = try await Self.reembedder(harness, embedder: server).run()
            _ = try await localEdit
            _ = try await Self.reembedder(harness, embedder: server).run()
            // Activation is refused while a chunk lacks a vector, and allowed once none does.
            try await context.activateModel(Self.serverModel, allowMissing: false)
            try await webHost.waitForQuery(with: Self.serverModel)
            _ = try await harness.sync()
            _ = try await context.pruneModel(Self.localModel)

            queries.cancel()
            let report = await queries.value
            print("web host: \(report.queries) queries, by model \(report.byModel), failures \(report.failures.prefix(3))")
            #expect(report.failures.isEmpty, "\(report.failures.prefix(5))")
            #expect(report.emptyResults == 0, "a query returned no rows during the switch")
            #expect((report.byModel[Self.localModel] ?? 0) > 0 && (report.byModel[Self.serverModel] ?? 0) > 0)
            #expect(try await harness.count("SELECT count(*) FROM chunk_embeddings WHERE embedding_model <> $1", [Self.serverModel]) == 0)
            #expect(try await harness.count("SELECT count(*) FROM ragsync_models") == 1)
            // Re-embedding, activating and pruning are ragsync's writes: no pass scans for drift after them.
            _ = try await harness.sync()
            #expect(try await harness.sync().scannedForDrift == false)
        }
    }

    @Test func activationIsRefusedWhileChunksLackAVectorAndTheActiveModelCannotBePruned() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("a.md", document("A", SampleText.paragraph(1)))
            _ = try await harness.sync()
            let context = try await harness.context()
            await #expect(throws: StoreError.self) { try await context.activateModel("never-embedded", allowMissing: false) }
            await #expect(throws: StoreError.self) { _ = try await context.pruneModel(Self.serverModel) }
            // Half a model: one chunk has a vector of it, the others none.
            try await harness.client.query(
                """
                INSERT INTO chunk_embeddings (chunk_id, embedding, embedding_model)
                SELECT chunk_id, embedding, 'half' FROM chunk_embeddings LIMIT 1
                """)
            try await ModelCatalog(client: harness.client, schema: context.store.schema).register("half", dimensions: 256)
            try harness.write("b.md", document("B", SampleText.paragraph(2)))
            _ = try await harness.sync()
            let error = await #expect(throws: StoreError.self) { try await context.activateModel("half", allowMissing: false) }
            #expect(error?.description.contains("ragsync reembed --model half") == true)
            try await context.activateModel("half", allowMissing: true)
            #expect(try await context.catalog.activeModel() == "half")
        }
    }

    private static func serverEmbedder(_ harness: PipelineHarness) throws -> OpenAIEmbeddingClient {
        OpenAIEmbeddingClient(
            configuration: OpenAIEmbeddingConfiguration(
                baseURL: harness.server.baseURL, apiKey: nil, model: serverModel, dimensions: 256,
                requestTimeout: .seconds(5), maxRetries: 3, initialBackoff: .milliseconds(10),
                maxBackoff: .milliseconds(50), maxRetryAfter: .seconds(2)),
            logger: Logger(label: "test"))
    }

    private static func localConfiguration(_ harness: PipelineHarness) throws -> RagsyncConfiguration {
        try RagsyncConfiguration(environment: [
            "DATABASE_URL": harness.databaseURL, "RAGSYNC_DIRECT_DATABASE_URL": try TestDatabase.directURL(for: harness.databaseURL),
            "RAGSYNC_CONTENT_DIR": harness.content.path, "RAGSYNC_EMBEDDER": "local",
        ])
    }

    private static func reembedder(_ harness: PipelineHarness, embedder: any EmbeddingProvider) async throws -> Reembedder {
        let schema = try await SchemaMigrator(dimensions: embedder.dimensions).verify(on: harness.client)
        var reembedder = Reembedder(
            catalog: ModelCatalog(client: harness.client, schema: schema), embedder: embedder, logger: Logger(label: "test"))
        reembedder.batchSize = 8
        return reembedder
    }
}

/// A web host as the origin app is written: it embeds its question with the active model, names that model in the
/// filter (so a question embedded just before an activation still matches its own vectors), and calls both SQL
/// functions, over and over, on a connection of its own.
private final class WebHost: Sendable {
    struct Report: Sendable {
        var queries = 0
        var emptyResults = 0
        var byModel: [String: Int] = [:]
        var failures: [String] = []
    }

    private let client: PostgresClient
    private let embedders: [String: any EmbeddingProvider]
    private let seen: AsyncStream<String>
    private let announce: AsyncStream<String>.Continuation
    private let question = "notes on the switch: search index query latency"

    init(databaseURL: String, embedders: [String: any EmbeddingProvider]) {
        client = PostgresClient(url: databaseURL)
        self.embedders = embedders
        (seen, announce) = AsyncStream.makeStream(of: String.self)
    }

    /// Queries until cancelled.
    func run() async -> Report {
        var report = Report()
        var vectors: [String: PostgresVector] = [:]
        while !Task.isCancelled {
            do {
                guard let model = try await client.query("SELECT ragsync_active_model()").scalar,
                    let embedder = embedders[model]
                else {
                    report.failures.append("no known active model")
                    continue
                }
                if vectors[model] == nil {
                    vectors[model] = PostgresVector(try await embedder.embed([question]).vectors.first ?? [])
                }
                let vector = vectors[model] ?? PostgresVector([])
                let filter = "{\"embedding_model\": \"\(model)\"}"
                let hybrid = try await client.query(
                    "SELECT count(*) FROM hybrid_search_document_chunks($1, $2::vector, 5, $3::jsonb)",
                    [question, vector, filter]
                ).scalarInt
                let nearest = try await client.query(
                    "SELECT count(*) FROM match_document_chunks($1::vector, 5, $2::jsonb)", [vector, filter]
                ).scalarInt
                report.queries += 1
                report.byModel[model, default: 0] += 1
                if hybrid == 0 || nearest == 0 { report.emptyResults += 1 }
                announce.yield(model)
            } catch {
                report.failures.append("\(error)")
            }
        }
        announce.finish()
        return report
    }

    /// Returns once a query with `model` has been answered.
    func waitForQuery(with model: String) async throws {
        for await answered in seen where answered == model { return }
        throw CancellationError()
    }
}
