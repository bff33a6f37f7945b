// ragsync — SearchQuery: top-k chunks by cosine distance, the query the web app runs too.

public import Embedding
public import IndexStore
import Postgres

/// A top-k retrieval over the stored embeddings of one model.
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

    public init(text: String, limit: Int = 5, category: String? = nil) {
        self.text = text
        self.limit = limit
        self.category = category
    }

    /// The SQL of the query contract: the vector and every filter are parameters.
    public static let sql = """
        SELECT c.chunk_id::text, c.source_file, c.document_title, c.metadata_json->>'heading_path',
               e.embedding <=> $1::vector AS distance, c.content
        FROM chunk_embeddings e
        JOIN document_chunks c ON c.chunk_id = e.chunk_id
        WHERE e.embedding_model = $2
          AND ($3::text IS NULL OR c.category = $3)
        ORDER BY e.embedding <=> $1::vector
        LIMIT $4
        """

    /// Embeds the query text and returns the nearest chunks, closest first.
    public func run(store: DocumentStore, embedder: any EmbeddingProvider) async throws -> [Hit] {
        let response = try await embedder.embed([text])
        let rows = try await store.client.query(
            Self.sql, [PostgresVector(response.vectors[0]), store.model, category, limit])
        return rows.rows.map { row in
            Hit(
                chunkId: row[0]!, sourceFile: row[1]!, title: row[2], headingPath: row[3],
                distance: Double(row[4] ?? "") ?? .nan, content: row[5] ?? "")
        }
    }
}
