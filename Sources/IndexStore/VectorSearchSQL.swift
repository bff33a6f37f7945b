// ragsync — VectorSearchSQL: the query contract the web app, `ragsync search` and the recall check share.

public import Postgres

/// Top-k retrieval of one model's vectors, in one transaction: first ``settings`` (the probes or ef_search ragsync
/// measured for the model's index, and pgvector 0.8's iterative scans so a filtered query still returns k rows),
/// then ``topK``. ``exactSettings`` turns the index off for an exact comparison.
public enum VectorSearchSQL {
    /// Session settings for the approximate query of the model `$1`, local to the transaction.
    public static let settings = "SELECT ragsync_use_measured_search_settings($1)"

    /// Settings that make the planner scan exactly (no index), for comparison.
    public static let exactSettings = """
        SELECT set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true)
        """

    /// `$1` the query vector, `$2` the embedding model, `$3` a category or NULL, `$4` k, through
    /// `ragsync_nearest_chunks` (which uses the model's partial index). Iterative scans may return rows slightly out
    /// of order, so the nearest rows are re-sorted by distance.
    public static let topK = """
        SELECT c.chunk_id::text, c.source_file, c.document_title, c.metadata_json->>'heading_path', n.distance, c.content
        FROM ragsync_nearest_chunks(
            $1::vector, $2, $4,
            CASE WHEN $3::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('category', $3::text) END) AS n
        JOIN document_chunks c ON c.chunk_id = n.chunk_id
        ORDER BY n.distance
        """

    /// Runs the contract on a connection, approximate or exact.
    /// - Returns: rows of `topK`.
    public static func run(
        on connection: PostgresConnection, vector: PostgresVector, model: String, category: String?, limit: Int,
        exact: Bool
    ) throws -> PostgresRows {
        try connection.transaction {
            if exact { try connection.query(exactSettings) } else { try connection.query(settings, [model]) }
            return try connection.query(topK, [vector, model, category, limit])
        }
    }
}
