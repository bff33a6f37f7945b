// ragsync — SearchQuery: a question answered through the web host's SQL functions, as the web app would ask it.

public import Embedding
public import IndexStore
import Postgres

/// A top-k retrieval through `match_document_chunks` or `hybrid_search_document_chunks`, with the measured
/// defaults; or, with ``exact``, the query contract's exact scan (``VectorSearchSQL``) for comparison.
public struct SearchQuery: Sendable {
    /// The mode that scored best on the development set (`make eval`; README, "Retrieval quality").
    public static let defaultMode = RetrievalMode.hybrid
    /// Fusion weights measured on the development set (109 questions, `make eval`): the vector ranking (with each
    /// chunk's document: its neighbours and its outline, inside the SQL function) leads, the 40 best full-text
    /// matches break its ties. Equal weights (1, 1) lost 0.06 R@1 to vector alone. They are also the SQL function's
    /// defaults.
    public static let fullTextWeight = 0.1
    public static let semanticWeight = 1.0
    public static let rrfK = 60

    public var text: String
    public var limit: Int
    public var category: String?
    public var mode: RetrievalMode
    /// The best chunk of each document only.
    public var onePerDocument: Bool
    /// Scan exactly instead of through the vector index (vector mode), for comparison.
    public var exact: Bool

    public init(
        text: String, limit: Int = 5, category: String? = nil, mode: RetrievalMode = SearchQuery.defaultMode,
        onePerDocument: Bool = false, exact: Bool = false
    ) {
        self.text = text
        self.limit = limit
        self.category = category
        self.mode = mode
        self.onePerDocument = onePerDocument
        self.exact = exact
    }

    /// What a search found, or why it found nothing.
    public struct Outcome: Sendable {
        public var hits: [RetrievedChunk]
        /// Set when `hits` is empty.
        public var emptyReason: EmptyResultReason?
    }

    /// Embeds the query text and returns the best chunks, best first.
    /// - Throws: `EmbeddingError` when the query cannot be embedded, `PostgresError` for the database.
    public func run(store: DocumentStore, embedder: any EmbeddingProvider) async throws -> Outcome {
        let response = try await embedder.embed([text])
        guard let queryVector = response.vectors.first else {
            throw EmbeddingError(
                code: .malformedResponse, serverURL: "the embedder", detail: "no embedding came back for the query")
        }
        let request = RetrievalRequest(
            mode: mode, text: text, vector: PostgresVector(queryVector), count: limit,
            filter: .init(embeddingModel: store.model, category: category), onePerDocument: onePerDocument,
            fullTextWeight: Self.fullTextWeight, semanticWeight: Self.semanticWeight, rrfK: Self.rrfK)
        let (model, category, exact) = (store.model, category, exact)
        return try await store.client.withConnection { connection in
            let hits =
                exact
                ? try Self.exactHits(on: connection, request: request)
                : try RetrievalFunctions.search(on: connection, request: request)
            guard hits.isEmpty else { return Outcome(hits: hits, emptyReason: nil) }
            return Outcome(
                hits: [],
                emptyReason: try RetrievalFunctions.emptyResultReason(on: connection, model: model, category: category))
        }
    }

    /// The query contract scanned exactly: the reference the approximate index is measured against.
    private static func exactHits(on connection: PostgresConnection, request: RetrievalRequest) throws -> [RetrievedChunk] {
        let rows = try VectorSearchSQL.run(
            on: connection, vector: request.vector, model: request.filter.embeddingModel ?? "",
            category: request.filter.category, limit: request.count, exact: true)
        return try rows.decoded { row throws(PostgresError) in
            let similarity = try row.optionalDouble(4).map { 1 - $0 }
            return RetrievedChunk(
                chunkId: try row.string(0), sourceFile: try row.string(1), title: row.optionalString(2),
                headingPath: row.optionalString(3), category: nil, content: row.optionalString(5) ?? "",
                similarity: similarity, score: similarity ?? 0, textRank: nil, semanticRank: nil)
        }
    }
}

extension EmptyResultReason {
    /// One line saying why nothing was found and what to do.
    public var message: String {
        switch self {
        case .noDocuments:
            return "no results: nothing is indexed yet; run `ragsync sync`"
        case .noEmbeddings(let model, let others):
            let listed = others.map { "\($0.model) (\($0.count))" }.joined(separator: ", ")
            return "no results: no chunk has an embedding of \(model)"
                + (others.isEmpty ? "; run `ragsync sync`" : "; the store has embeddings of \(listed): set RAGSYNC_EMBEDDING_MODEL, or run `ragsync sync` to embed with \(model)")
        case .filterMatchesNothing(let categories):
            return "no results: no chunk has that category; categories: "
                + (categories.isEmpty ? "(none)" : categories.joined(separator: ", "))
        case .noMatch:
            return "no results: no chunk matches the query's words (try --mode hybrid or vector)"
        }
    }
}
