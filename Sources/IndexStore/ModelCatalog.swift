// ragsync — ModelCatalog: the embedding models a database holds, and the one that is searched.

public import Postgres

/// The embedding models whose vectors `chunk_embeddings` holds side by side (schema 12: an untyped `vector` column),
/// each with its dimension in `ragsync_models`, and the active one: the row `active_model` of `ragsync_settings`,
/// which the SQL query functions and `ragsync search` use unless a filter names another model.
///
/// Switching models without downtime is `reembed` (the new model's vectors beside the old ones), `activate`, then
/// `prune` of the old vectors; the web host's queries find rows throughout.
public struct ModelCatalog: Sendable {
    public let client: PostgresClient
    let schema: SchemaInfo

    public init(client: PostgresClient, schema: SchemaInfo) {
        self.client = client
        self.schema = schema
    }

    /// A model as the database holds it.
    public struct Model: Sendable, Equatable {
        public var name: String
        public var dimensions: Int
        /// Rows in `chunk_embeddings`.
        public var embeddings: Int
        /// ragsync's chunks that have no vector of this model yet.
        public var chunksMissing: Int
        public var isActive: Bool
    }

    /// A chunk (by the hash of its embedded text) that has no vector of a model, with what rebuilds its text.
    public struct PendingChunk: Sendable, Equatable {
        public var contentHash: String
        public var content: String
        /// The document's description; nil when it was written before descriptions were recorded.
        public var description: String?
        public var source: String
        public var sourceFile: String
    }

    /// A document outline that has no vector of a model.
    public struct PendingOutline: Sendable, Equatable {
        public var hash: String
        /// nil when the document was written before outline texts were recorded.
        public var text: String?
        /// A document with this outline, as "source: path".
        public var document: String
    }

    /// Records `model` with its dimension. The first model recorded becomes the active one.
    /// - Throws: `StoreError` `.dimensionMismatch` when the database holds vectors of `model` with another dimension.
    public func register(_ model: String, dimensions: Int) async throws {
        // Every command registers its model; once it is recorded, a read says so without a transaction that writes
        // (and waits for a WAL flush at commit).
        let recorded = try await client.query(
            """
            SELECT (SELECT dimensions FROM ragsync_models WHERE embedding_model = $1) = $2
               AND EXISTS (SELECT 1 FROM ragsync_settings WHERE key = 'active_model')
            """, [model, dimensions]
        ).scalar
        if recorded == "t" { return }
        try await client.ragsyncTransaction { connection in
            let recorded = try connection.query(
                "SELECT dimensions FROM ragsync_models WHERE embedding_model = $1 FOR UPDATE", [model]
            ).scalar.flatMap { Int($0) }
            if let recorded, recorded != dimensions {
                let count = try connection.query(
                    "SELECT count(*) FROM chunk_embeddings WHERE embedding_model = $1", [model]
                ).scalarInt
                guard count == 0 else {
                    throw StoreError(
                        .dimensionMismatch(database: recorded, configured: dimensions),
                        message: "the database holds \(count) embeddings of model \(model) with \(recorded) dimensions, "
                            + "but RAGSYNC_EMBEDDING_DIMENSIONS is \(dimensions): set it to \(recorded), give the new "
                            + "vectors another model name (RAGSYNC_EMBEDDING_MODEL or `ragsync reembed --model`), or "
                            + "delete the old ones with `ragsync prune --model \(model)`")
                }
                try connection.query("DELETE FROM ragsync_outline_embeddings WHERE embedding_model = $1", [model])
                try connection.query("DELETE FROM ragsync_staged_embeddings WHERE embedding_model = $1", [model])
            }
            try connection.query(
                """
                INSERT INTO ragsync_models (embedding_model, dimensions) VALUES ($1, $2)
                ON CONFLICT (embedding_model) DO UPDATE SET dimensions = EXCLUDED.dimensions
                """, [model, dimensions])
            try connection.query(
                "INSERT INTO ragsync_settings (key, value) VALUES ('active_model', $1) ON CONFLICT (key) DO NOTHING",
                [model])
        }
    }

    /// The model searched by default; nil before any model was recorded.
    public func activeModel() async throws -> String? {
        try await client.query("SELECT value FROM ragsync_settings WHERE key = 'active_model'").scalar
    }

    /// Every recorded model, with how many chunks each still lacks.
    public func models() async throws -> [Model] {
        let rows = try await client.query(
            """
            SELECT m.embedding_model, m.dimensions,
                   (SELECT count(*) FROM chunk_embeddings e WHERE e.embedding_model = m.embedding_model),
                   (SELECT count(*) FROM ragsync_chunks r
                    WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e
                                      WHERE e.chunk_id = r.chunk_id AND e.embedding_model = m.embedding_model)),
                   m.embedding_model = (SELECT value FROM ragsync_settings WHERE key = 'active_model')
            FROM ragsync_models m ORDER BY m.registered_at, m.embedding_model
            """)
        return try rows.decoded { row throws(PostgresError) in
            Model(
                name: try row.string(0), dimensions: try row.int(1), embeddings: try row.int(2),
                chunksMissing: try row.int(3), isActive: row.bool(4))
        }
    }

    /// How many of ragsync's chunks have no vector of `model`.
    public func chunksMissing(_ model: String) async throws -> Int {
        try await client.query(
            """
            SELECT count(*) FROM ragsync_chunks r
            WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = r.chunk_id AND e.embedding_model = $1)
            """, [model]
        ).scalarInt
    }

    /// Makes `model` the one the SQL query functions and `ragsync search` use.
    /// - Parameter allowMissing: activate although some chunks have no vector of the model (they are not found
    ///   until they get one).
    /// - Returns: the model that was active before.
    /// - Throws: `StoreError` `.unknownModel` for a model without vectors, `.incompleteModel` when chunks lack one.
    @discardableResult
    public func activate(_ model: String, allowMissing: Bool = false) async throws -> String? {
        guard let entry = try await models().first(where: { $0.name == model }), entry.embeddings > 0 else {
            throw StoreError(
                .unknownModel,
                message: "the database holds no embeddings of model \(model); run `ragsync reembed --model \(model)` "
                    + "first (`ragsync status` lists the models it holds)")
        }
        guard entry.chunksMissing == 0 || allowMissing else {
            throw StoreError(
                .incompleteModel(missing: entry.chunksMissing),
                message: "\(entry.chunksMissing) chunk(s) have no embedding of model \(model), so searches would not "
                    + "find them; run `ragsync reembed --model \(model)` to finish, or activate with --allow-missing")
        }
        return try await client.ragsyncTransaction { connection in
            let previous = try connection.query("SELECT value FROM ragsync_settings WHERE key = 'active_model'").scalar
            try connection.query(
                """
                INSERT INTO ragsync_settings (key, value) VALUES ('active_model', $1)
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """, [model])
            return previous
        }
    }

    /// Deletes every vector of `model` (chunks and outlines) and its record; its vector index is dropped by
    /// ``VectorIndexMaintainer/dropIndex(for:on:)``.
    /// - Returns: the chunk embeddings deleted.
    /// - Throws: `StoreError` `.activeModel` for the active model, `.unknownModel` for one never recorded.
    public func prune(_ model: String) async throws -> Int {
        try await client.ragsyncTransaction { connection in
            let active = try connection.query(
                "SELECT value FROM ragsync_settings WHERE key = 'active_model' FOR UPDATE"
            ).scalar
            guard active != model else {
                throw StoreError(
                    .activeModel,
                    message: "model \(model) is the active one, which searches use; activate another model first "
                        + "(`ragsync activate NAME`)")
            }
            let known = try connection.query(
                "DELETE FROM ragsync_models WHERE embedding_model = $1", [model]
            ).affectedRowCount
            let deleted = try connection.query(
                "DELETE FROM chunk_embeddings WHERE embedding_model = $1", [model]
            ).affectedRowCount
            try connection.query("DELETE FROM ragsync_outline_embeddings WHERE embedding_model = $1", [model])
            try connection.query("DELETE FROM ragsync_staged_embeddings WHERE embedding_model = $1", [model])
            guard known > 0 || deleted > 0 else {
                throw StoreError(
                    .unknownModel,
                    message: "the database holds no model \(model); `ragsync status` lists the models it holds")
            }
            return deleted
        }
    }

    /// Up to `limit` chunks (one per embedded text) with no vector of `model`, skipping the hashes in `skipping`.
    public func chunksWithoutEmbedding(
        of model: String, limit: Int, skipping: [String] = []
    ) async throws -> [PendingChunk] {
        let rows = try await client.query(
            """
            SELECT DISTINCT ON (r.content_hash) r.content_hash, d.content, doc.description, r.source, r.source_file
            FROM ragsync_chunks r
            JOIN document_chunks d ON d.chunk_id = r.chunk_id
            LEFT JOIN ragsync_documents doc ON doc.source = r.source AND doc.source_file = r.source_file
            WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = r.chunk_id AND e.embedding_model = $1)
              AND r.content_hash <> ALL($3::text[])
            ORDER BY r.content_hash
            LIMIT $2
            """, [model, limit, PostgresArray(skipping)])
        return try rows.decoded { row throws(PostgresError) in
            PendingChunk(
                contentHash: try row.string(0), content: try row.string(1), description: row.optionalString(2),
                source: try row.string(3), sourceFile: try row.string(4))
        }
    }

    /// Up to `limit` document outlines with no vector of `model`, skipping the hashes in `skipping`.
    public func outlinesWithoutEmbedding(
        of model: String, limit: Int, skipping: [String] = []
    ) async throws -> [PendingOutline] {
        let rows = try await client.query(
            """
            SELECT DISTINCT ON (d.outline_hash) d.outline_hash, d.outline_text, d.source || ': ' || d.source_file
            FROM ragsync_documents d
            WHERE d.outline_hash IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM ragsync_outline_embeddings o
                              WHERE o.outline_hash = d.outline_hash AND o.embedding_model = $1)
              AND d.outline_hash <> ALL($3::text[])
            ORDER BY d.outline_hash, d.outline_text NULLS LAST
            LIMIT $2
            """, [model, limit, PostgresArray(skipping)])
        return try rows.decoded { row throws(PostgresError) in
            PendingOutline(hash: try row.string(0), text: row.optionalString(1), document: try row.string(2))
        }
    }

    /// Stores `model`'s vectors for every chunk whose embedded text has these hashes and has none of the model yet.
    /// - Returns: rows written; 0 when a chunk was deleted meanwhile by a concurrent write (the rest are still
    ///   missing, and the next batch lists them again).
    @discardableResult
    public func addEmbeddings(
        of model: String, hashes: [String], vectors: [[Float]]
    ) async throws -> Int {
        let vectorParameter = schema.vectorParameter(vectors)
        do {
            return try await client.ragsyncTransaction { connection in
                try connection.query(
                    """
                    INSERT INTO chunk_embeddings (chunk_id, embedding, embedding_model)
                    SELECT r.chunk_id, t.v, $3 FROM unnest($1::text[], $2::vector[]) AS t(hash, v)
                    JOIN ragsync_chunks r ON r.content_hash = t.hash
                    WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = r.chunk_id AND e.embedding_model = $3)
                    """, [PostgresArray(hashes), vectorParameter, model]
                ).affectedRowCount
            }
        } catch let error as PostgresError where error.sqlState == "23503" {
            // foreign_key_violation: the daemon replaced a document between this batch's read and its insert.
            return 0
        }
    }

    /// Stores `model`'s vectors of these outlines.
    public func addOutlineEmbeddings(of model: String, hashes: [String], vectors: [[Float]]) async throws {
        let vectorParameter = schema.vectorParameter(vectors)
        try await client.query(
            """
            INSERT INTO ragsync_outline_embeddings (outline_hash, embedding_model, embedding)
            SELECT t.hash, $3, t.v FROM unnest($1::text[], $2::vector[]) AS t(hash, v)
            ON CONFLICT (outline_hash, embedding_model) DO NOTHING
            """, [PostgresArray(hashes), vectorParameter, model])
    }
}
