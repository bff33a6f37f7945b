// ragsync — SearchQuery: top-k chunks by cosine distance, the query the web app runs too.

public import Embedding
public import IndexStore
import Postgres

/// A top-k retrieval over the stored embeddings of one model, through the query contract (``VectorSearchSQL``).
public struct SearchQuery: Sendable {
    /// One retrieved chunk.
    public struct Hit: Sendable {
        public var chunkId: String
        public var sourceFile: String
        public var title: String?
        public var headingPath: String?
        public var distance: Double
        public var content: String
    }

    public var text: String
    public var limit: Int
    public var category: String?
    /// Scan exactly instead of through the vector index, for comparison.
    public var exact: Bool

    public init(text: String, limit: Int = 5, category: String? = nil, exact: Bool = false) {
        self.text = text
        self.limit = limit
        self.category = category
        self.exact = exact
    }

    /// Embeds the query text and returns the nearest chunks, closest first.
    public func run(store: DocumentStore, embedder: any EmbeddingProvider) async throws -> [Hit] {
        let response = try await embedder.embed([text])
        guard let queryVector = response.vectors.first else {
            throw EmbeddingError(
                code: .malformedResponse, serverURL: "the embedder", detail: "no embedding came back for the query")
        }
        let (vector, model, category, limit, exact) = (
            PostgresVector(queryVector), store.model, category, limit, exact
        )
        let rows = try await store.client.withConnection { connection in
            try VectorSearchSQL.run(
                on: connection, vector: vector, model: model, category: category, limit: limit, exact: exact)
        }
        return try rows.decoded { row throws(PostgresError) in
            Hit(
                chunkId: try row.string(0), sourceFile: try row.string(1), title: row.optionalString(2),
                headingPath: row.optionalString(3), distance: try row.optionalDouble(4) ?? .nan,
                content: row.optionalString(5) ?? "")
        }
    }
}
