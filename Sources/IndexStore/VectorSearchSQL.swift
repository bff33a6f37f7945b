// ragsync — VectorSearchSQL: the query contract the web app, `ragsync search` and the recall check share.

public import Postgres

/// Top-k retrieval as the web app should run it, in one transaction: first ``settings`` (the probes or ef_search
/// ragsync measured for the current index, and pgvector 0.8's iterative scans so a filtered query still returns k
/// rows), then ``topK``. ``exactSettings`` turns the index off for an exact comparison.
public enum VectorSearchSQL {
    /// Session settings for the approximate query, local to the transaction.
    public static let settings = """
        SELECT set_config('ivfflat.probes', coalesce((SELECT probes FROM ragsync_vector_index
                                                     WHERE index_name = 'idx_embedding_vector_cosine'), 1)::text, true),
               set_config('hnsw.ef_search', coalesce((SELECT ef_search FROM ragsync_vector_index
                                                     WHERE index_name = 'idx_embedding_vector_cosine'), 40)::text, true),
               set_config('ivfflat.iterative_scan', 'relaxed_order', true),
               set_config('hnsw.iterative_scan', 'relaxed_order', true)
        """

    /// Settings that make the planner scan exactly (no index), for comparison.
    public static let exactSettings = """
        SELECT set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true)
        """

    /// `$1` the query vector, `$2` the embedding model, `$3` a category or NULL, `$4` k. Iterative scans may
    /// return rows slightly out of order, so the nearest rows are re-sorted by distance.
    public static let topK = """
        WITH nearest AS MATERIALIZED (
            SELECT c.chunk_id, c.source_file, c.document_title, c.metadata_json->>'heading_path' AS heading_path,
                   c.content, e.embedding <=> $1::vector AS distance
            FROM chunk_embeddings e
            JOIN document_chunks c ON c.chunk_id = e.chunk_id
            WHERE e.embedding_model = $2
              AND ($3::text IS NULL OR c.category = $3)
            ORDER BY e.embedding <=> $1::vector
            LIMIT $4
        )
        SELECT chunk_id::text, source_file, document_title, heading_path, distance, content
        FROM nearest ORDER BY distance
        """

    /// Runs the contract on a connection, approximate or exact.
    /// - Returns: rows of `topK`.
    public static func run(
        on connection: PostgresConnection, vector: PostgresVector, model: String, category: String?, limit: Int,
        exact: Bool
    ) throws -> PostgresRows {
        try connection.transaction {
            try connection.query(exact ? exactSettings : settings)
            return try connection.query(topK, [vector, model, category, limit])
        }
    }
}
