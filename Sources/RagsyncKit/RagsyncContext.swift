// ragsync — RagsyncContext: the database, store and embedder every command works with, built from configuration.

public import Embedding
public import IndexStore
public import Indexer
public import Logging
import LocalEmbedding
public import Postgres

/// The components a command needs, wired from the configuration.
///
/// Opening it checks that the database is reachable, migrated, and sized for the configured embedding dimension,
/// so a misconfiguration is reported before any work starts.
public struct RagsyncContext: Sendable {
    public let configuration: RagsyncConfiguration
    public let client: PostgresClient
    /// The session-mode connection (``RagsyncConfiguration/directDatabaseURL``); `client` itself unless one is set.
    public let directClient: PostgresClient
    public let store: DocumentStore
    public let logger: Logger
    /// Whether the clients of `DATABASE_URL` prepare statements, learned once for the main one and the bulk writers.
    let statementPreparation: StatementPreparation

    /// The vector index upkeep for the configured policy.
    public var indexMaintainer: VectorIndexMaintainer {
        VectorIndexMaintainer(
            policy: VectorIndexPolicy(
                method: VectorIndexPolicy.Method(rawValue: configuration.vectorIndex) ?? .ivfflat,
                minimumRows: configuration.vectorIndexMinimumRows))
    }

    /// Brings the planner's statistics and the vector index in line with the data after a pass.
    ///
    /// After a bulk pass the tables' statistics are refreshed at once rather than at autovacuum's next round: until
    /// then the planner may scan `chunk_embeddings` (a page per row once vectors are stored inline) for a lookup an
    /// index answers, and the benchmark saw single edits take 80 ms instead of 15 ms right after a cold index.
    ///
    /// Through the direct URL: the upkeep holds a session lock and builds concurrently, which a transaction pooler
    /// would spread over several server connections. After a bulk pass the upkeep (with `chunk_embeddings`'
    /// statistics) runs on a connection of its own while the other tables' statistics are refreshed on the main one,
    /// which then finds the exact neighbours the recall tuning compares with, and the frequent words are recorded on
    /// a third: PostgreSQL works on both cores, and these cost little time of their own beside the index build (a
    /// 5,000-file cold index: VACUUM 0.37-0.46 s, the exact neighbours 0.63 s and the frequent words 0.27-0.30 s,
    /// beside the build's 1.0-1.2 s). Sharing the main connection, the frequent words waited for the exact neighbours,
    /// and the tuning for them: the tail after the last batch took 1.42-1.52 s at 5,000 files against 1.37-1.43 s on
    /// three connections, and 130-134 ms against 92-103 ms at 1,000 files (no index to build).
    @discardableResult
    public func maintainVectorIndex(after summary: SyncSummary? = nil) async throws -> VectorIndexMaintainer.Outcome {
        guard let summary, summary.isBulk else {
            return try await indexMaintainer.maintain(model: store.model, on: directClient, logger: logger)
        }
        let store = self.store
        // The frequent words read every search vector and write one small table: a connection of their own, closed
        // when they are recorded.
        let wordsClient = configuration.makeDatabaseClient(preparation: statementPreparation)
        async let frequentWords: Void = DocumentStore.refreshFrequentLexemes(on: wordsClient)
        async let otherTables: Void = store.refreshTableStatistics(includingEmbeddings: false)
        let outcome: Result<VectorIndexMaintainer.Outcome, any Error>
        do {
            outcome = .success(try await maintainOnUpkeepConnection(model: store.model, refreshingEmbeddingStatistics: true))
        } catch {
            outcome = .failure(error)
        }
        let words: Result<Void, any Error>
        do {
            words = .success(try await frequentWords)
        } catch {
            words = .failure(error)
        }
        await wordsClient.disconnect()
        try await otherTables
        try words.get()
        return try outcome.get()
    }

    /// Deletes every document of the source `name`; nil when no source has that name.
    public func removeSource(_ name: String) async throws -> (documents: Int, chunks: Int)? {
        let removed = try await DocumentStore.removeSource(name, client: client, schema: store.schema, model: store.model)
        if let removed {
            logger.notice(
                "removed source \(name): \(removed.documents) document(s), \(removed.chunks) chunk(s)",
                metadata: ["action": "source-removed", "source": "\(name)", "documents": "\(removed.documents)"])
        }
        return removed
    }

    /// The models the database holds and the active one.
    public var catalog: ModelCatalog { ModelCatalog(client: client, schema: store.schema) }

    /// Embeds every chunk with the configured model, beside the other models' vectors (`ragsync reembed`).
    public func makeReembedder() throws -> Reembedder {
        Reembedder(catalog: catalog, embedder: try makeEmbedder(), logger: logger)
    }

    /// Makes `model` the one searched; see ``ModelCatalog/activate(_:allowMissing:)``.
    /// - Returns: the model that was active before.
    @discardableResult
    public func activateModel(_ model: String, allowMissing: Bool) async throws -> String? {
        let previous = try await catalog.activate(model, allowMissing: allowMissing)
        logger.notice(
            "activated embedding model \(model) (was \(previous ?? "none")): searches use its vectors now",
            metadata: ["action": "model-activated", "embedding_model": "\(model)"])
        return previous
    }

    /// Deletes every vector of `model` and its vector index; see ``ModelCatalog/prune(_:)``.
    /// - Returns: the chunk embeddings deleted.
    public func pruneModel(_ model: String) async throws -> Int {
        let deleted = try await catalog.prune(model)
        // Through the direct URL: a concurrent drop runs outside any transaction, on one server connection.
        try await directClient.withConnection { connection in
            try VectorIndexMaintainer.dropIndex(for: model, on: connection)
        }
        logger.notice(
            "pruned embedding model \(model): \(deleted) embedding(s) deleted",
            metadata: ["action": "model-pruned", "embedding_model": "\(model)", "embeddings": "\(deleted)"])
        return deleted
    }

    /// Builds or drops `model`'s vector index as its data requires (after `ragsync reembed`).
    public func maintainVectorIndex(of model: String) async throws -> VectorIndexMaintainer.Outcome {
        try await store.refreshStatistics()
        return try await maintainOnUpkeepConnection(model: model, refreshingEmbeddingStatistics: false)
    }

    /// The upkeep on a connection of its own (the direct one, or a new one when that is the main one), with the
    /// statistics of `chunk_embeddings` fresh, and the exact neighbours for a new index's tuning found meanwhile on
    /// the main connection.
    private func maintainOnUpkeepConnection(
        model: String, refreshingEmbeddingStatistics: Bool
    ) async throws -> VectorIndexMaintainer.Outcome {
        let upkeepClient = directClient === client ? PostgresClient(url: configuration.directDatabaseURL) : directClient
        let outcome: Result<VectorIndexMaintainer.Outcome, any Error>
        do {
            if refreshingEmbeddingStatistics { try await DocumentStore.refreshEmbeddingStatistics(on: upkeepClient) }
            outcome = .success(
                try await indexMaintainer.maintain(
                    model: model, on: upkeepClient, statisticsAreFresh: true, samplingOn: client, logger: logger))
        } catch {
            outcome = .failure(error)
        }
        if upkeepClient !== directClient { await upkeepClient.disconnect() }
        return try outcome.get()
    }

    /// Connects and verifies the schema.
    /// - Parameter registeringModel: record the configured model with its dimension (``ModelCatalog``), for
    ///   commands that write its vectors.
    /// - Throws: `PostgresError` when the database is unreachable, `StoreError` when it is not migrated or holds the
    ///   configured model's vectors with another dimension.
    public static func open(
        configuration: RagsyncConfiguration, registeringModel: Bool = false, logger: Logger
    ) async throws -> RagsyncContext {
        let statementPreparation = configuration.makeStatementPreparation(logger: logger)
        let client = configuration.makeDatabaseClient(preparation: statementPreparation)
        let schema = try await SchemaMigrator(dimensions: configuration.embeddingDimensions).verify(on: client)
        if registeringModel {
            try await ModelCatalog(client: client, schema: schema)
                .register(configuration.embeddingModel, dimensions: configuration.embeddingDimensions)
        }
        let store = DocumentStore(
            client: client, schema: schema, model: configuration.embeddingModel, source: configuration.source)
        let directClient =
            configuration.directDatabaseURL == configuration.databaseURL
            ? client : PostgresClient(url: configuration.directDatabaseURL)
        return RagsyncContext(
            configuration: configuration, client: client, directClient: directClient, store: store, logger: logger,
            statementPreparation: statementPreparation)
    }

    private init(
        configuration: RagsyncConfiguration, client: PostgresClient, directClient: PostgresClient,
        store: DocumentStore, logger: Logger, statementPreparation: StatementPreparation
    ) {
        self.configuration = configuration
        self.client = client
        self.directClient = directClient
        self.store = store
        self.logger = logger
        self.statementPreparation = statementPreparation
    }

    /// The configured embedder: the in-process model, or the client for the configured server.
    /// - Throws: `ConfigurationError` when OpenAI's service is configured without a key, or the local model's files
    ///   are missing.
    public func makeEmbedder() throws -> any EmbeddingProvider {
        try Self.makeEmbedder(for: configuration, logger: logger)
    }

    /// The configured embedder, for commands without a database (`ragsync embed`).
    public static func makeEmbedder(
        for configuration: RagsyncConfiguration, logger: Logger
    ) throws -> any EmbeddingProvider {
        try configuration.validateForEmbedding()
        if configuration.embedder == .local { return try LocalModelLoader.load(configuration) }
        _ = OpenAIEmbeddingClient.initializeCurlGlobally()
        let settings = OpenAIEmbeddingConfiguration(
            baseURL: configuration.openAIBaseURL, apiKey: configuration.openAIAPIKey,
            model: configuration.embeddingModel, dimensions: configuration.embeddingDimensions,
            requestTimeout: configuration.embeddingTimeout, maxRetries: configuration.embeddingRetries)
        return OpenAIEmbeddingClient(configuration: settings, logger: logger)
    }

    /// The chunker with the configured sizes, in estimated OpenAI tokens.
    /// - Throws: `ConfigurationError` naming `RAGSYNC_CHUNK_TOKENS` when the sizes contradict each other.
    public func makeChunker() throws(ConfigurationError) -> Chunker {
        Chunker(options: try configuration.chunkingOptions(maxTokens: nil))
    }

    /// The chunker for an embedder: the local model's chunks are measured in its own wordpieces and never exceed
    /// what it reads (254), so no chunk is cut short.
    /// - Throws: `ConfigurationError` naming `RAGSYNC_CHUNK_TOKENS` when the sizes contradict each other.
    public func makeChunker(for embedder: any EmbeddingProvider) throws(ConfigurationError) -> Chunker {
        guard let local = embedder as? LocalEmbeddingProvider else { return try makeChunker() }
        return Chunker(
            options: try configuration.chunkingOptions(maxTokens: WordPieceTokenizer.maxWordpieces),
            counter: WordPieceTokenCounter(tokenizer: local.tokenizer))
    }

    /// The engine for `ragsync sync`.
    public func makeSyncEngine() throws -> SyncEngine {
        try makeSyncEngine(embedder: try makeEmbedder())
    }

    /// The engine with an embedder made beforehand (the daemon makes it before touching the database).
    public func makeSyncEngine(embedder: any EmbeddingProvider) throws -> SyncEngine {
        var engine = try SyncEngine(
            store: store, embedder: embedder, chunker: try makeChunker(for: embedder),
            contentDirectory: configuration.contentDirectory, maxFileBytes: configuration.maxFileBytes, logger: logger,
            deletionGuard: configuration.deletionGuard)
        engine.bulkWriters = makeBulkWriters()
        engine.heldVectorBytes = configuration.maxHeldVectorBytes
        return engine
    }

    /// Two stores on connections of their own (opened at a bulk pass's first write, closed after it), for
    /// ``SyncEngine/bulkWriters``.
    public func makeBulkWriters() -> [DocumentStore] {
        (0..<2).map { _ in
            DocumentStore(
                client: configuration.makeDatabaseClient(preparation: statementPreparation), schema: store.schema,
                model: store.model,
                source: store.source)
        }
    }
}
