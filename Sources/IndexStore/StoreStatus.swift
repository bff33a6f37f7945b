// ragsync — StoreStatus: what the database holds for one source, for `ragsync status`.

import Postgres

/// The index as one source sees it (documents, chunks, errors, last write) and what the whole database holds
/// (embeddings per model, rows no source wrote, the sources).
public struct StoreStatus: Sendable {
    /// A document whose last attempt failed.
    public struct Failure: Sendable, Equatable {
        public var path: String
        public var error: String
    }

    /// How many embeddings one model has.
    public struct ModelEmbeddings: Sendable, Equatable {
        public var model: String
        public var count: Int
    }

    /// Documents of this source (and of no source yet) with rows.
    public var documents = 0
    /// Their chunks, as recorded.
    public var chunks = 0
    public var failures: [Failure] = []
    /// When this source last wrote a document, ISO 8601 in UTC; nil when never.
    public var lastIndexed: String?
    /// Embeddings in the whole database, per model, by model name.
    public var embeddingsByModel: [ModelEmbeddings] = []
    /// The recorded models, with their dimension, the chunks each still lacks, and which one is searched.
    public var models: [ModelCatalog.Model] = []
    /// `source_file` values with chunks but no ragsync record (rows from the origin project or another tool).
    public var unmanagedSourceFiles = 0
    public var sources: [SourceSummary] = []
}

extension DocumentStore {
    /// Reads the status in one round of queries.
    public func status() async throws -> StoreStatus {
        var status = StoreStatus()
        let source = self.source
        try await client.withConnection { connection in
            let own = try connection.query(
                """
                SELECT count(*) FILTER (WHERE content_hash IS NOT NULL),
                       coalesce(sum(chunk_count) FILTER (WHERE content_hash IS NOT NULL), 0),
                       to_char(max(indexed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                FROM ragsync_documents WHERE source IN ($1, '')
                """, [source]
            ).decoded { row throws(PostgresError) in (try row.int(0), try row.int(1), row.optionalString(2)) }
            if let (documents, chunks, lastIndexed) = own.first {
                (status.documents, status.chunks, status.lastIndexed) = (documents, chunks, lastIndexed)
            }
            status.failures = try connection.query(
                """
                SELECT source_file, last_error FROM ragsync_documents
                WHERE last_error IS NOT NULL AND source IN ($1, '') ORDER BY 1
                """, [source]
            ).decoded { row throws(PostgresError) in
                StoreStatus.Failure(path: try row.string(0), error: row.optionalString(1) ?? "")
            }
            status.embeddingsByModel = try connection.query(
                "SELECT embedding_model, count(*) FROM chunk_embeddings GROUP BY 1 ORDER BY 1"
            ).decoded { row throws(PostgresError) in
                StoreStatus.ModelEmbeddings(model: try row.string(0), count: try row.int(1))
            }
            status.unmanagedSourceFiles = try connection.query(
                """
                SELECT count(DISTINCT c.source_file) FROM document_chunks c
                WHERE NOT EXISTS (SELECT 1 FROM ragsync_documents d WHERE d.source_file = c.source_file)
                """
            ).scalarInt
        }
        status.sources = try await sources()
        status.models = try await ModelCatalog(client: client, schema: schema).models()
        return status
    }
}
