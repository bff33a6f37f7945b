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
        let (vector, model, category, limit, exact) = (
            PostgresVector(response.vectors[0]), store.model, category, limit, exact
        )
        let rows = try await store.client.withConnection { connection in
            try VectorSearchSQL.run(
                on: connection, vector: vector, model: model, category: category, limit: limit, exact: exact)
        }
        return rows.rows.map { row in
            Hit(
                chunkId: row[0]!, sourceFile: row[1]!, title: row[2], headingPath: row[3],
                distance: Double(row[4] ?? "") ?? .nan, content: row[5] ?? "")
        }
    }
}
