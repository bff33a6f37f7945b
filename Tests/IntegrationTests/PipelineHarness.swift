// ragsync — PipelineHarness: a content folder, a fresh migrated database and a local embedding server for one test.

import Embedding
import Foundation
import IndexStore
import Indexer
import Logging
import Postgres
import RagsyncKit
import SyncCore
import RagsyncTestSupport

/// Everything one pipeline test needs, all real: a temporary folder, PostgreSQL + pgvector, and the local
/// OpenAI-compatible server (the only stand-in, for the paid API).
struct PipelineHarness {
    let content: URL
    let databaseURL: String
    let server: EmbeddingServerProcess
    let client: PostgresClient

    /// Runs `body` with a harness and removes the folder and database afterwards.
    static func with<T>(
        serverArguments: [String] = [], _ body: (PipelineHarness) async throws -> T
    ) async throws -> T {
        let server = try await EmbeddingServerProcess.start(arguments: serverArguments)
        defer { server.stop() }
        let content = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: content, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: content) }
        return try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            _ = try await SchemaMigrator(dimensions: 256).migrate(on: client, logger: Logger(label: "test"))
            return try await body(PipelineHarness(content: content, databaseURL: url, server: server, client: client))
        }
    }

    func configuration(apiKey: String? = nil, environment extra: [String: String] = [:]) throws -> RagsyncConfiguration {
        var environment = [
            "DATABASE_URL": databaseURL, "OPENAI_BASE_URL": server.baseURL, "RAGSYNC_CONTENT_DIR": content.path,
            "RAGSYNC_EMBEDDING_DIMENSIONS": "256", "RAGSYNC_DIRECT_DATABASE_URL": try TestDatabase.directURL(for: databaseURL),
        ]
        if let apiKey { environment["OPENAI_API_KEY"] = apiKey }
        environment.merge(extra) { _, new in new }
        return try RagsyncConfiguration(environment: environment)
    }

    /// Runs one reconcile as `ragsync sync` does, with fast retries.
    /// - Parameters:
    ///   - scope: what to reconcile, as a watcher's batch names it; everything by default.
    ///   - environment: settings added to the harness's own.
    ///   - bytesPerBatch: the engine's ``SyncEngine/bytesPerBatch``; its default when nil.
    func sync(
        apiKey: String? = nil, maxRetries: Int = 3, scope: ChangeBatch = ChangeBatch(isFullReconcile: true),
        environment: [String: String] = [:], bytesPerBatch: Int? = nil
    ) async throws -> SyncSummary {
        var engine = try await engine(apiKey: apiKey, maxRetries: maxRetries, environment: environment)
        if let bytesPerBatch { engine.bytesPerBatch = bytesPerBatch }
        return try await engine.reconcile(scope)
    }

    /// The engine `sync` runs, on the real file system or another.
    /// - Parameter wrapEmbedder: gives the engine another provider around the harness's client (a fault of a test's).
    func engine(
        apiKey: String? = nil, maxRetries: Int = 3, environment: [String: String] = [:],
        fileSystem: any FileSystem = GlibcFileSystem(),
        wrapEmbedder: (any EmbeddingProvider) -> any EmbeddingProvider = { $0 }
    ) async throws -> SyncEngine {
        let configuration = try configuration(apiKey: apiKey, environment: environment)
        let context = try await RagsyncContext.open(
            configuration: configuration, registeringModel: true, logger: Logger(label: "test"))
        let embedder = OpenAIEmbeddingClient(
            configuration: OpenAIEmbeddingConfiguration(
                baseURL: server.baseURL, apiKey: apiKey, model: configuration.embeddingModel, dimensions: 256,
                requestTimeout: .seconds(5), maxRetries: maxRetries, initialBackoff: .milliseconds(10),
                maxBackoff: .milliseconds(50), maxRetryAfter: .seconds(2)),
            logger: Logger(label: "test"))
        var engine = try SyncEngine(
            store: context.store, embedder: wrapEmbedder(embedder), chunker: try context.makeChunker(),
            contentDirectory: configuration.contentDirectory, maxFileBytes: configuration.maxFileBytes, logger: Logger(label: "test"),
            deletionGuard: configuration.deletionGuard, fileSystem: fileSystem)
        engine.bulkWriters = context.makeBulkWriters()
        engine.heldVectorBytes = configuration.maxHeldVectorBytes
        return engine
    }

    /// The context `ragsync check` and `search` open on this harness.
    func context() async throws -> RagsyncContext {
        try await RagsyncContext.open(configuration: try configuration(), logger: Logger(label: "test"))
    }

    /// The store on the harness's database, as `ragsync sync` opens it.
    func store() async throws -> DocumentStore {
        let schema = try await SchemaMigrator(dimensions: 256).verify(on: client)
        return DocumentStore(client: client, schema: schema, model: "text-embedding-3-small", source: try configuration().source)
    }

    /// The embedding server's counters since the last call, then zeroed.
    func takeStats() async throws -> EmbeddingServerProcess.Stats {
        let stats = try await server.stats()
        try await server.reset()
        return stats
    }

    func write(_ relativePath: String, _ text: String) throws {
        let url = content.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func move(_ from: String, _ to: String) throws {
        try FileManager.default.moveItem(at: content.appendingPathComponent(from), to: content.appendingPathComponent(to))
    }

    func remove(_ relativePath: String) throws {
        try FileManager.default.removeItem(at: content.appendingPathComponent(relativePath))
    }

    /// `chunk_index → chunk_id` of one document.
    func chunkIds(_ sourceFile: String) async throws -> [String] {
        try await client.query(
            "SELECT chunk_id::text FROM document_chunks WHERE source_file = $1 ORDER BY chunk_index", [sourceFile]
        ).rows.map { $0[0]! }
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        Int(try await client.query(sql, parameters).scalar ?? "0") ?? 0
    }
}

/// Deterministic prose for long documents: `paragraphs` paragraphs of ~70 words, each distinct.
enum SampleText {
    static let words = """
        system data search index query engineer pipeline latency build deploy service cluster metric vector \
        embedding chunk document paragraph token model server client cache storage backup network protocol \
        release review design test team lead customer product feature migration schema table column value \
        stream event queue worker thread memory disk budget estimate result report dashboard alert incident
        """.split(separator: " ").map(String.init)

    static func paragraph(_ seed: Int, words count: Int = 70) -> String {
        var state = UInt64(truncatingIfNeeded: seed &* 2_654_435_761 &+ 12345)
        var sentence: [String] = []
        for position in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var word = words[Int((state >> 33) % UInt64(words.count))]
            if position % 12 == 0 { word = word.capitalized }
            sentence.append(position % 12 == 11 ? word + "." : word)
        }
        return "Paragraph \(seed): " + sentence.joined(separator: " ") + "."
    }

    /// A long document with a frontmatter and a few sections.
    static func longDocument(paragraphs: Int, tags: String = "[a, b]", insertAtTop: String? = nil, replacing: (Int, String)? = nil) -> String {
        var text = "---\ntitle: Long document\ncategory: test\ntags: \(tags)\n---\n\n# Long document\n\n"
        if let insertAtTop { text += insertAtTop + "\n\n" }
        for index in 0..<paragraphs {
            if index % 40 == 0 { text += "## Section \(index / 40)\n\n" }
            if let (target, replacement) = replacing, target == index {
                text += replacement + "\n\n"
            } else {
                text += paragraph(index) + "\n\n"
            }
        }
        return text
    }
}
