// ragsync — Reembedder: another model's vectors for every chunk, beside the ones searched now (`ragsync reembed`).

public import Embedding
public import IndexStore
import Indexer
public import Logging

/// Embeds every chunk and document outline with a model that lacks them, from the database alone, while the
/// active model keeps answering searches and the daemon keeps indexing with it.
///
/// It asks the store for what still has no vector of the model, a batch at a time, so an interrupted run resumes
/// where it stopped, and chunks the daemon writes meanwhile are picked up before it ends. A chunk's embedded text is
/// rebuilt from its stored content and its document's description (``EmbeddedText``), checked against the chunk's
/// hash; a chunk whose text cannot be rebuilt (written by a ragsync older than schema 12 and not cut again since) is
/// reported, not guessed.
public struct Reembedder: Sendable {
    /// How far a run is, in chunk rows.
    public struct Progress: Sendable, Equatable {
        /// Chunks given a vector so far.
        public var embedded: Int
        /// Chunks to give one in all, as known now (it grows when the daemon adds chunks meanwhile).
        public var total: Int
    }

    /// What a run did.
    public struct Summary: Sendable, Equatable {
        public var model: String
        /// Distinct chunk texts embedded, and the rows written for them (chunks that share a text share a vector).
        public var textsEmbedded: Int
        public var rowsWritten: Int
        public var outlinesEmbedded: Int
        /// Documents with a chunk or outline whose text could not be rebuilt from the database, as "source: path".
        public var documentsNotRebuilt: [String]
        public var tokens: Int
        public var seconds: Double
    }

    public let catalog: ModelCatalog
    public let embedder: any EmbeddingProvider
    public let logger: Logger
    /// Texts per round trip: one embedding call and one insert.
    public var batchSize = 64

    public init(catalog: ModelCatalog, embedder: any EmbeddingProvider, logger: Logger) {
        self.catalog = catalog
        self.embedder = embedder
        self.logger = logger
    }

    /// Embeds until no chunk or outline lacks a vector of the embedder's model.
    /// - Parameter progress: called after each batch.
    /// - Throws: `EmbeddingError` when the embedding service fails for good, `PostgresError` or `StoreError` from
    ///   the database (the work done so far stays: a new run resumes).
    public func run(progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Summary {
        let started = ContinuousClock.now
        let model = embedder.model
        try await catalog.register(model, dimensions: embedder.dimensions)
        var summary = Summary(
            model: model, textsEmbedded: 0, rowsWritten: 0, outlinesEmbedded: 0, documentsNotRebuilt: [], tokens: 0,
            seconds: 0)
        var notRebuilt: Set<String> = []
        var skipped: [String] = []
        var lastLog = ContinuousClock.now
        while true {
            try Task.checkCancellation()
            let pending = try await catalog.chunksWithoutEmbedding(of: model, limit: batchSize, skipping: skipped)
            if pending.isEmpty { break }
            var hashes: [String] = []
            var texts: [String] = []
            for chunk in pending {
                if let text = EmbeddedText.rebuild(
                    content: chunk.content, description: chunk.description, hash: chunk.contentHash)
                {
                    hashes.append(chunk.contentHash)
                    texts.append(text)
                } else {
                    skipped.append(chunk.contentHash)
                    notRebuilt.insert("\(chunk.source): \(chunk.sourceFile)")
                }
            }
            guard !texts.isEmpty else { continue }
            let response = try await embedder.embed(texts)
            summary.rowsWritten += try await catalog.addEmbeddings(of: model, hashes: hashes, vectors: response.vectors)
            summary.textsEmbedded += texts.count
            summary.tokens += response.promptTokens
            let missing = try await catalog.chunksMissing(model)
            let current = Progress(embedded: summary.rowsWritten, total: summary.rowsWritten + missing)
            progress(current)
            if ContinuousClock.now - lastLog >= .seconds(10) {
                lastLog = .now
                log(current, model: model)
            }
        }
        summary.outlinesEmbedded = try await embedOutlines(of: model, notRebuilt: &notRebuilt)
        summary.documentsNotRebuilt = notRebuilt.sorted()
        summary.seconds = (ContinuousClock.now - started).seconds
        return summary
    }

    private func embedOutlines(of model: String, notRebuilt: inout Set<String>) async throws -> Int {
        var skipped: [String] = []
        var embedded = 0
        while true {
            try Task.checkCancellation()
            let pending = try await catalog.outlinesWithoutEmbedding(of: model, limit: batchSize, skipping: skipped)
            if pending.isEmpty { return embedded }
            let rebuilt = pending.compactMap { outline -> (hash: String, text: String)? in
                guard let text = outline.text, DocumentOutline.hash(of: text) == outline.hash else {
                    skipped.append(outline.hash)
                    notRebuilt.insert(outline.document)
                    return nil
                }
                return (outline.hash, text)
            }
            guard !rebuilt.isEmpty else { continue }
            let response = try await embedder.embed(rebuilt.map(\.text))
            try await catalog.addOutlineEmbeddings(of: model, hashes: rebuilt.map(\.hash), vectors: response.vectors)
            embedded += rebuilt.count
        }
    }

    private func log(_ progress: Progress, model: String) {
        let percent = progress.total == 0 ? 100 : progress.embedded * 100 / progress.total
        logger.notice(
            "reembed \(model): \(progress.embedded) of \(progress.total) chunks (\(percent)%)",
            metadata: [
                "action": "reembed-progress", "embedding_model": "\(model)", "embedded": "\(progress.embedded)",
                "total": "\(progress.total)",
            ])
    }
}
