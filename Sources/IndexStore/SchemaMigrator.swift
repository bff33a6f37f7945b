// ragsync — SchemaMigrator: creates what is missing, on an empty database or on the origin project's.

public import Logging
public import Postgres

/// Brings a database to the schema ragsync needs, in versioned, idempotent steps recorded in
/// `ragsync_schema_migrations`.
///
/// It works on an empty database and on one created by the origin project's Alembic migration (with rows in it): it
/// only creates what is missing and never drops or rewrites data. Concurrent runs are serialized by a
/// transaction-scoped advisory lock, which also works through a transaction pooler.
public struct SchemaMigrator: Sendable {
    /// A step of the schema's history. Its number never changes once released.
    struct Migration: Sendable {
        var version: Int
        var name: String
        var apply: @Sendable (PostgresConnection, _ dimensions: Int) throws -> Void
    }

    /// What `migrate` did.
    public struct Report: Sendable, Equatable {
        /// Versions applied by this run, in order; empty when the schema was current.
        public var appliedVersions: [Int]
        public var schema: SchemaInfo
    }

    /// The configured embedding dimension; used for a new `chunk_embeddings` table.
    public var dimensions: Int

    /// The text search configuration of the chunks' full text (`RAGSYNC_TEXT_SEARCH_CONFIG`).
    public var textSearchConfiguration: String

    /// - Parameters:
    ///   - dimensions: from the configuration, which accepts 1–16,000; PostgreSQL rejects anything else with its own
    ///     message.
    ///   - textSearchConfiguration: a PostgreSQL text search configuration, e.g. `english` or `simple`.
    public init(dimensions: Int, textSearchConfiguration: String = RetrievalFunctions.defaultTextSearchConfiguration) {
        self.dimensions = dimensions
        self.textSearchConfiguration = textSearchConfiguration
    }

    /// The latest schema version this build knows.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies every migration the database has not seen, in one transaction.
    /// - Throws: `PostgresError` for SQL failures, `StoreError` for a schema ragsync cannot use.
    public func migrate(on client: PostgresClient, logger: Logger) async throws -> Report {
        let (dimensions, textSearchConfiguration) = (self.dimensions, self.textSearchConfiguration)
        return try await client.ragsyncTransaction { connection in
            try connection.query("SELECT pg_advisory_xact_lock(hashtext('ragsync.schema'))")
            try Self.ensureVectorExtension(on: connection)
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS ragsync_schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let applied = Set(
                try connection.query("SELECT version FROM ragsync_schema_migrations").rows.compactMap { $0[0].flatMap { Int($0) } })
            var appliedNow: [Int] = []
            for migration in Self.migrations where !applied.contains(migration.version) {
                try migration.apply(connection, dimensions)
                try connection.query(
                    "INSERT INTO ragsync_schema_migrations (version, name) VALUES ($1, $2)",
                    [migration.version, migration.name])
                appliedNow.append(migration.version)
                logger.info(
                    "applied schema migration",
                    metadata: ["schema_version": "\(migration.version)", "migration": "\(migration.name)"])
            }
            let schema = try SchemaInfo.read(from: connection)
            try Self.keepVectorsInline(on: connection, logger: logger)
            try RetrievalFunctions.useTextSearchConfiguration(textSearchConfiguration, on: connection)
            return Report(appliedVersions: appliedNow, schema: schema)
        }
    }

    /// Reads the schema and checks it is current, without changing anything.
    /// - Throws: `StoreError.notMigrated` when migrations are missing.
    public func verify(on client: PostgresClient) async throws -> SchemaInfo {
        try await client.withConnection { connection in
            // Checked first: selecting from a table that does not exist is an SQL error, not "not migrated".
            let tracked = try connection.query("SELECT to_regclass('ragsync_schema_migrations') IS NOT NULL").scalar == "t"
            let current =
                tracked
                ? try connection.query("SELECT max(version) FROM ragsync_schema_migrations").scalar.flatMap { Int($0) }
                : nil
            guard let current, current >= Self.latestVersion else {
                throw StoreError(
                    .notMigrated,
                    message: "the database at \(connection.redactedTarget) is not migrated to schema version "
                        + "\(Self.latestVersion) (it has \(current.map(String.init) ?? "none")); run `ragsync migrate`")
            }
            return try SchemaInfo.read(from: connection)
        }
    }

    private static func ensureVectorExtension(on connection: PostgresConnection) throws {
        let installed = try connection.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
        if !installed.isEmpty { return }
        do {
            try connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        } catch {
            throw StoreError(
                .vectorExtensionMissing,
                message: "the pgvector extension is not installed in the database at \(connection.redactedTarget) and "
                    + "this role cannot create it (\(error.message)); ask its administrator to run "
                    + "`CREATE EXTENSION vector`")
        }
    }

    /// Keeps vectors in the row while they fit a page (`STORAGE MAIN`), instead of pgvector's default of moving
    /// every vector over 2 KB to the TOAST table; only a vector too large for a page goes out of line.
    ///
    /// An exact scan then reads each vector where its row is, with no TOAST lookup: measured here on 23,664 vectors
    /// of 1536 dimensions, exact top-10 took 58 ms instead of 165 ms, and so did the recall measurement after every
    /// index build. Only rows written afterwards are stored inline. The column is untyped from schema 12 on (any
    /// model's dimension), so no dimension decides it any more.
    private static func keepVectorsInline(on connection: PostgresConnection, logger: Logger) throws {
        let current = try connection.query(
            """
            SELECT attstorage::text FROM pg_attribute
            WHERE attrelid = to_regclass('chunk_embeddings') AND attname = 'embedding' AND NOT attisdropped
            """
        ).scalar
        guard let current, current != "m" else { return }
        try connection.execute("ALTER TABLE chunk_embeddings ALTER COLUMN embedding SET STORAGE MAIN")
        logger.info("vectors are stored in their rows while they fit (STORAGE MAIN)")
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "origin tables and indexes", apply: createOriginTables),
        Migration(version: 2, name: "ragsync bookkeeping", apply: createBookkeeping),
        Migration(version: 3, name: "vector index record", apply: createVectorIndexRecord),
        Migration(version: 4, name: "full text, retrieval functions, chunking record", apply: createRetrievalFunctions),
        Migration(version: 5, name: "document outlines in retrieval", apply: createOutlineEmbeddings),
        Migration(version: 6, name: "full-text questions within a budget of matches, through the GIN index", apply: recreateRetrievalFunctions),
        Migration(version: 7, name: "sources", apply: createSources),
        Migration(version: 8, name: "full text in a table of its own", apply: moveSearchVectors),
        Migration(version: 9, name: "the chunk's own similarity as a vote in hybrid search", apply: recreateRetrievalFunctions),
        Migration(version: 10, name: "one path in several sources", apply: keyDocumentsBySource),
        Migration(version: 11, name: "the SQL functions return each chunk's source", apply: recreateRetrievalFunctions),
        Migration(version: 12, name: "embeddings of any dimension, one vector index per model", apply: allowEveryDimension),
        Migration(version: 13, name: "a stat cache: each document's file stamp", apply: addFileStamps),
        Migration(version: 14, name: "a count of other writers' writes, so a clean store skips the drift scan", apply: countForeignWrites),
        Migration(version: 15, name: "vectors staged while a large document is embedded", apply: createStagedEmbeddings),
    ]

    /// Vectors of a document too large to hold them all (thousands of new chunks), stored slice by slice as they are
    /// embedded and copied by hash when the document is written (``DocumentStore/stageEmbeddings(hashes:vectors:)``).
    ///
    /// Unlogged: the vectors are written once more by the document's transaction, so they cost no WAL here, and the
    /// table is empty after a crash of the server, which the writer answers by embedding again what it misses.
    private static func createStagedEmbeddings(_ connection: PostgresConnection, dimensions: Int) throws {
        try connection.execute(
            """
            CREATE UNLOGGED TABLE IF NOT EXISTS ragsync_staged_embeddings (
                content_hash text NOT NULL,
                embedding_model text NOT NULL,
                embedding vector NOT NULL,
                staged_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (content_hash, embedding_model)
            )
            """)
    }

    private static func countForeignWrites(_ connection: PostgresConnection, dimensions: Int) throws {
        try ForeignWriteCounter.create(on: connection)
    }

    /// Each document's file stamp (size, times, inode, device) recorded with its hash, so a pass skips reading files
    /// whose stamp has not changed (`FileStamp`, `StatCache`).
    private static func addFileStamps(_ connection: PostgresConnection, dimensions: Int) throws {
        try connection.execute("ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS file_stamp text")
    }

    /// Vectors of any dimension in one table: the column becomes pgvector's untyped `vector` (no row is rewritten),
    /// the vector indexes on the whole column go (an approximate index needs one dimension; the upkeep builds one
    /// partial expression index per model), and the models, the active one and what `reembed` needs to rebuild a
    /// chunk's embedded text are recorded.
    private static func allowEveryDimension(_ connection: PostgresConnection, dimensions: Int) throws {
        let typed = try SchemaInfo.read(from: connection).embeddingDimensions
        let indexes = try connection.query(
            """
            SELECT quote_ident(c.relname) FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = to_regclass('chunk_embeddings') AND am.amname IN ('ivfflat', 'hnsw')
            """
        ).rows.compactMap { $0.first ?? nil }
        for index in indexes {
            // Quoted by the server, from the catalog.
            try connection.execute("DROP INDEX IF EXISTS \(index)")
        }
        try connection.execute(
            """
            ALTER TABLE chunk_embeddings ALTER COLUMN embedding TYPE vector;
            CREATE TABLE IF NOT EXISTS ragsync_models (
                embedding_model text PRIMARY KEY,
                dimensions integer NOT NULL,
                registered_at timestamptz NOT NULL DEFAULT now()
            );
            DELETE FROM ragsync_vector_index;
            ALTER TABLE ragsync_vector_index ADD COLUMN IF NOT EXISTS embedding_model text;
            -- The description under each chunk's context line ('' for none) and the outline text, so the embedded texts
            -- can be rebuilt from the database (EmbeddedText). Documents written before are cut again by the next full
            -- pass, which records both and reuses every embedding by hash.
            ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS description text;
            ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS outline_text text;
            UPDATE ragsync_documents SET chunking = NULL WHERE description IS NULL;
            """)
        if let typed {
            try connection.query(
                """
                INSERT INTO ragsync_models (embedding_model, dimensions)
                SELECT DISTINCT embedding_model, $1::integer FROM chunk_embeddings
                ON CONFLICT (embedding_model) DO NOTHING
                """, [typed])
        } else {
            try connection.execute(
                """
                INSERT INTO ragsync_models (embedding_model, dimensions)
                SELECT embedding_model, max(vector_dims(embedding)) FROM chunk_embeddings GROUP BY 1
                ON CONFLICT (embedding_model) DO NOTHING
                """)
        }
        // The model most chunks have is the one searched until `ragsync activate` says otherwise.
        try connection.execute(
            """
            INSERT INTO ragsync_settings (key, value)
            SELECT 'active_model', embedding_model FROM chunk_embeddings GROUP BY embedding_model
            ORDER BY count(*) DESC, embedding_model LIMIT 1
            ON CONFLICT (key) DO NOTHING
            """)
        try recreateRetrievalFunctions(connection, dimensions: dimensions)
    }

    /// Each document's outline (title and headings) embedded once per model, for the retrieval functions' document
    /// score. An untyped `vector` column: any model's dimension fits, and rows are only compared within a model.
    private static func createOutlineEmbeddings(_ connection: PostgresConnection, dimensions: Int) throws {
        try connection.execute(
            """
            ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS outline_hash text;
            -- Why ragsync keeps exact search instead of an index it measured (VectorIndexMaintainer).
            ALTER TABLE ragsync_vector_index ADD COLUMN IF NOT EXISTS note text;
            CREATE INDEX IF NOT EXISTS ix_ragsync_documents_outline_hash ON ragsync_documents (outline_hash);
            CREATE TABLE IF NOT EXISTS ragsync_outline_embeddings (
                outline_hash text NOT NULL,
                embedding_model text NOT NULL,
                embedding vector NOT NULL,
                PRIMARY KEY (outline_hash, embedding_model)
            );
            """)
        let schema = try SchemaInfo.read(from: connection)
        try RetrievalFunctions.create(on: connection, idType: schema.chunkIdType.sqlName)
    }

    /// The chunks' full text, the web host's SQL functions (``RetrievalFunctions``), and per document how its chunks
    /// were cut, so that a change of chunking re-cuts unchanged files.
    private static func createRetrievalFunctions(_ connection: PostgresConnection, dimensions: Int) throws {
        try connection.execute(
            """
            ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS chunking text;
            -- Each document's chunk hashes and ids in chunk order, so a row deleted by hand comes back with its id.
            ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS chunk_hashes text[];
            ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS chunk_ids text[];
            -- The row version (xmin) of each chunk row as ragsync last wrote it: any UPDATE by someone else changes it,
            -- and comparing it reads no content (an MD5 of every content took 88 ms at 12,786 chunks; this, 24-35).
            ALTER TABLE ragsync_chunks ADD COLUMN IF NOT EXISTS row_xmin xid;
            -- The drift check's "every chunk has an embedding of the model" reads this index alone, not the wide
            -- vector rows (56 ms at 12,786 chunks of 1536 dimensions without it).
            CREATE INDEX IF NOT EXISTS ix_ragsync_chunk_embeddings_chunk_model ON chunk_embeddings (chunk_id, embedding_model);
            UPDATE ragsync_chunks r SET row_xmin = d.xmin
            FROM document_chunks d WHERE d.chunk_id = r.chunk_id AND r.row_xmin IS NULL;
            """)
        let schema = try SchemaInfo.read(from: connection)
        try RetrievalFunctions.create(on: connection, idType: schema.chunkIdType.sqlName)
    }

    /// Each document's source (the content directory it came from) and the list of sources. Existing documents have
    /// none until the first full pass adopts them (``DocumentStore/registerSource(contentDirectory:host:)``).
    private static func createSources(_ connection: PostgresConnection, dimensions: Int) throws {
        try connection.execute(
            """
            ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS source text;
            CREATE INDEX IF NOT EXISTS ix_ragsync_documents_source ON ragsync_documents (source);
            CREATE TABLE IF NOT EXISTS ragsync_sources (
                name text PRIMARY KEY,
                host text,
                content_dir text,
                first_seen timestamptz NOT NULL DEFAULT now(),
                last_seen timestamptz NOT NULL DEFAULT now()
            );
            """)
        try recreateRetrievalFunctions(connection, dimensions: dimensions)
    }

    /// The chunks' full text moves from `ragsync_chunks.search_vector` to `ragsync_chunk_search` (computed again from
    /// the chunks, in this transaction), and the old column and its index go.
    private static func moveSearchVectors(_ connection: PostgresConnection, dimensions: Int) throws {
        try recreateRetrievalFunctions(connection, dimensions: dimensions)
        try connection.execute("ALTER TABLE ragsync_chunks DROP COLUMN IF EXISTS search_vector")
    }

    /// A document is identified by its source and path: `ragsync_documents` gets the key (source, source_file), with
    /// '' for documents no source owns yet, and `ragsync_chunks` records each chunk's source (paths are unique until
    /// now, so each chunk takes its document's).
    private static func keyDocumentsBySource(_ connection: PostgresConnection, dimensions: Int) throws {
        try connection.execute(
            """
            UPDATE ragsync_documents SET source = '' WHERE source IS NULL;
            ALTER TABLE ragsync_documents ALTER COLUMN source SET DEFAULT '', ALTER COLUMN source SET NOT NULL;
            ALTER TABLE ragsync_documents DROP CONSTRAINT IF EXISTS ragsync_documents_pkey;
            ALTER TABLE ragsync_documents ADD PRIMARY KEY (source, source_file);
            CREATE INDEX IF NOT EXISTS ix_ragsync_documents_source_file ON ragsync_documents (source_file);
            ALTER TABLE ragsync_chunks ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT '';
            UPDATE ragsync_chunks r SET source = d.source
            FROM ragsync_documents d WHERE d.source_file = r.source_file AND r.source <> d.source;
            CREATE INDEX IF NOT EXISTS ix_ragsync_chunks_source_source_file ON ragsync_chunks (source, source_file);
            """)
        try recreateRetrievalFunctions(connection, dimensions: dimensions)
    }

    /// The retrieval functions as this build defines them (``RetrievalFunctions/create(on:idType:)`` is idempotent).
    private static func recreateRetrievalFunctions(_ connection: PostgresConnection, dimensions: Int) throws {
        let schema = try SchemaInfo.read(from: connection)
        try RetrievalFunctions.create(on: connection, idType: schema.chunkIdType.sqlName)
    }

    /// What ragsync built the vector index for and the search setting it measured, read by the query contract.
    private static func createVectorIndexRecord(_ connection: PostgresConnection, dimensions: Int) throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS ragsync_vector_index (
                index_name text PRIMARY KEY,
                method text NOT NULL,
                lists integer,
                built_rows bigint NOT NULL,
                probes integer,
                ef_search integer,
                recall real,
                built_at timestamptz NOT NULL DEFAULT now()
            )
            """)
    }

    /// The origin project's tables, for an empty database; existing tables are left as they are. The IVFFlat index
    /// is not created here: building it on an empty table gives poor recall (it is maintained elsewhere).
    private static func createOriginTables(_ connection: PostgresConnection, dimensions: Int) throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS document_chunks (
                chunk_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                content text NOT NULL,
                source_file text NOT NULL,
                category text,
                document_title text,
                chunk_index integer NOT NULL,
                metadata_json jsonb,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE IF NOT EXISTS chunk_embeddings (
                embedding_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                chunk_id uuid NOT NULL REFERENCES document_chunks (chunk_id) ON DELETE CASCADE,
                embedding vector(\(dimensions)) NOT NULL,
                embedding_model text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE IF NOT EXISTS query_logs (
                query_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                query_text text NOT NULL,
                retrieved_chunk_ids uuid[],
                response_text text,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS ix_document_chunks_source_file ON document_chunks (source_file);
            CREATE INDEX IF NOT EXISTS ix_document_chunks_category ON document_chunks (category);
            CREATE INDEX IF NOT EXISTS ix_chunk_embeddings_chunk_id ON chunk_embeddings (chunk_id);
            CREATE INDEX IF NOT EXISTS idx_embedding_model ON chunk_embeddings (embedding_model);
            """)
    }

    /// ragsync's own tables: per document its content hash, state and last error; per chunk the hash of exactly
    /// what was embedded, so unchanged chunks are found again and never re-embedded.
    private static func createBookkeeping(_ connection: PostgresConnection, dimensions: Int) throws {
        let schema = try SchemaInfo.read(from: connection)
        try ensureDefault(on: connection, table: "document_chunks", column: "chunk_id", type: schema.chunkIdType)
        try ensureDefault(
            on: connection, table: "chunk_embeddings", column: "embedding_id", type: schema.embeddingIdType)
        if let queryIdType = schema.queryIdType {
            try ensureDefault(on: connection, table: "query_logs", column: "query_id", type: queryIdType)
        }
        // The id type comes from the catalog (uuid, integer or bigint), never from input.
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS ragsync_documents (
                source_file text PRIMARY KEY,
                content_hash text,
                byte_count bigint,
                chunk_count integer NOT NULL DEFAULT 0,
                failed_hash text,
                last_error text,
                indexed_at timestamptz,
                failed_at timestamptz,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE IF NOT EXISTS ragsync_chunks (
                chunk_id \(schema.chunkIdType.sqlName) PRIMARY KEY
                    REFERENCES document_chunks (chunk_id) ON DELETE CASCADE,
                source_file text NOT NULL,
                content_hash text NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_ragsync_chunks_content_hash ON ragsync_chunks (content_hash);
            CREATE INDEX IF NOT EXISTS ix_ragsync_chunks_source_file ON ragsync_chunks (source_file);
            """)
    }

    /// Gives an id column a default when it has none: `gen_random_uuid()` for UUIDs, a sequence starting past
    /// the largest existing id for integers. Existing values are untouched.
    private static func ensureDefault(
        on connection: PostgresConnection, table: String, column: String, type: IdentifierType
    ) throws {
        let current = try connection.query(
            """
            SELECT column_default FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2
            """, [table, column])
        guard current.scalar == nil else { return }
        // `table` and `column` are the constants above, not input.
        switch type {
        case .uuid:
            try connection.execute("ALTER TABLE \(table) ALTER COLUMN \(column) SET DEFAULT gen_random_uuid()")
        case .integer, .bigint:
            let sequence = "\(table)_\(column)_ragsync_seq"
            try connection.execute(
                """
                CREATE SEQUENCE IF NOT EXISTS \(sequence) OWNED BY \(table).\(column);
                SELECT setval('\(sequence)', COALESCE((SELECT max(\(column)) FROM \(table)), 0) + 1, false);
                ALTER TABLE \(table) ALTER COLUMN \(column) SET DEFAULT nextval('\(sequence)');
                """)
        }
    }
}
