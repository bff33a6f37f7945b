// ragsync — DocumentStore: reads and replaces documents' rows, each document whole in one transaction.

public import Postgres

/// The rows of `document_chunks`, `chunk_embeddings` and ragsync's bookkeeping, read and written per document.
///
/// Every write of a document happens in one transaction that first takes a transaction-scoped advisory lock on its
/// path, so two ragsync processes (or two hosts) never interleave versions of one document, and a crash leaves the
/// old version or the new one, never a mix. Transaction-scoped locks also work through a transaction pooler.
public struct DocumentStore: Sendable {
    public let client: PostgresClient
    public let schema: SchemaInfo
    /// The `embedding_model` value written and matched, e.g. `text-embedding-3-small`.
    public let model: String
    /// The source (content directory) this store reads and writes for: it sees its own documents and unowned ones
    /// (written before sources existed, adopted by the first full pass), and never writes another source's.
    public let source: String

    public init(client: PostgresClient, schema: SchemaInfo, model: String, source: String) {
        self.client = client
        self.schema = schema
        self.model = model
        self.source = source
    }

    /// ragsync's record of every document of this source (and of no source yet), by path relative to the content
    /// directory.
    public func documents() async throws -> [String: StoredDocument] {
        try await documents(paths: [], folders: [""])
    }

    /// ragsync's record of these documents and of every document under these folders ("" is the whole tree), for this
    /// source (and documents of no source yet). Another source's documents at the same paths are its own.
    ///
    /// A watcher's pass reads only what it compares, not the record of every document: at 5,000 documents that
    /// was a few milliseconds of every save's latency.
    public func documents(paths: [String], folders: [String]) async throws -> [String: StoredDocument] {
        // Paths alone (a watcher's pass over saved files) are looked up by key: with the folder condition beside
        // them, the planner scanned every record (3.5 ms of an edit's 10 at 5,000 documents). The whole tree is every
        // record, without testing each against the folders (4.8 ms against 3.9 at 5,000 documents).
        let rows =
            if folders.isEmpty {
                try await client.query(
                    """
                    SELECT source_file, content_hash, failed_hash, chunk_count, last_error, chunking, file_stamp
                    FROM ragsync_documents
                    WHERE source IN ($2, '') AND source_file = ANY($1::text[])
                    """, [PostgresArray(paths), source])
            } else if folders.contains("") {
                try await client.query(
                    """
                    SELECT source_file, content_hash, failed_hash, chunk_count, last_error, chunking, file_stamp
                    FROM ragsync_documents
                    WHERE source IN ($1, '')
                    """, [source])
            } else {
                try await client.query(
                    """
                    SELECT source_file, content_hash, failed_hash, chunk_count, last_error, chunking, file_stamp
                    FROM ragsync_documents
                    WHERE source IN ($3, '')
                      AND (source_file = ANY($1::text[])
                           OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS f WHERE starts_with(source_file, f || '/')))
                    """, [PostgresArray(paths), PostgresArray(folders), source])
            }
        var documents: [String: StoredDocument] = [:]
        documents.reserveCapacity(rows.count)
        let decoded = try rows.decoded { row throws(PostgresError) in
            StoredDocument(
                sourceFile: try row.string(0), contentHash: row.optionalString(1), failedHash: row.optionalString(2),
                chunkCount: try row.optionalInt(3) ?? 0, lastError: row.optionalString(4), chunking: row.optionalString(5),
                fileStamp: row.optionalString(6))
        }
        for document in decoded { documents[document.sourceFile] = document }
        return documents
    }

    /// One digest of this source's recorded paths and stamps (SyncCore's `StampDigest`, computed by the server), so
    /// that a pass with nothing changed compares one row instead of reading every record: at 5,000 documents the
    /// records took 12-17 ms to arrive and decode, the digest 5-9 ms of the server's time (a scan of the table and a
    /// sort of the paths) and none of ragsync's.
    /// - Parameter chunking: the current chunker's signature; a document cut otherwise has something to do.
    /// - Returns: the digest, nil when there are no documents or one has no stamp, a failure or other chunking.
    public func recordedStampDigest(chunking: String) async throws -> String? {
        let rows = try await client.query(
            """
            SELECT count(*) FILTER (WHERE file_stamp IS NULL OR content_hash IS NULL OR failed_hash IS NOT NULL
                                      OR last_error IS NOT NULL OR chunking IS DISTINCT FROM $2),
                   encode(sha256(convert_to(string_agg(octet_length(source_file) || ':' || source_file || file_stamp,
                                                       E'\n' ORDER BY source_file COLLATE "C"), 'UTF8')), 'hex')
            FROM ragsync_documents
            WHERE source IN ($1, '')
            """, [source, chunking])
        let summary = try rows.decoded { row throws(PostgresError) in (unsettled: try row.int(0), digest: row.optionalString(1)) }
        guard let summary = summary.first, summary.unsettled == 0 else { return nil }
        return summary.digest
    }

    /// Records each file's stamp beside its hash, where the stored hash is still the one its bytes had when read
    /// after the stamp was taken: a document indexed from newer bytes keeps no stamp, and its next pass reads it.
    public func recordFileStamps(_ files: [(path: String, hash: String, stamp: String)]) async throws {
        guard !files.isEmpty else { return }
        try await client.query(
            """
            UPDATE ragsync_documents d SET file_stamp = t.stamp
            FROM unnest($1::text[], $2::text[], $3::text[]) AS t(path, hash, stamp)
            WHERE d.source = $4 AND d.source_file = t.path AND d.content_hash = t.hash
              AND d.file_stamp IS DISTINCT FROM t.stamp
            """,
            [PostgresArray(files.map(\.path)), PostgresArray(files.map(\.hash)), PostgresArray(files.map(\.stamp)), source])
    }

    /// Records that this source ran now from `contentDirectory` on `host`, and makes it the owner of every document
    /// no source owns yet (rows from before sources existed, or an origin database's): the first source that
    /// reconciles adopts them, and later sources never delete them.
    /// - Returns: how many documents were adopted.
    @discardableResult
    public func registerSource(contentDirectory: String, host: String) async throws -> Int {
        try await client.ragsyncBookkeepingTransaction { connection in
            try connection.query(
                """
                INSERT INTO ragsync_sources (name, host, content_dir, first_seen, last_seen)
                VALUES ($1, $2, $3, now(), now())
                ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, content_dir = EXCLUDED.content_dir, last_seen = now()
                """, [source, host, contentDirectory])
            let adopted = try connection.query(
                """
                UPDATE ragsync_documents d SET source = $1
                WHERE d.source = ''
                  AND NOT EXISTS (SELECT 1 FROM ragsync_documents o WHERE o.source = $1 AND o.source_file = d.source_file)
                """, [source]
            ).affectedRowCount
            try connection.query("UPDATE ragsync_chunks SET source = $1 WHERE source = ''", [source])
            return adopted
        }
    }

    /// The other source on `host` that holds the most of this source's documents with the same path and bytes, with
    /// how many it holds and how many this source has; nil when no other source on the host shares one.
    public func sourceSharingTheMostDocuments(onHost host: String) async throws -> (source: String, shared: Int, total: Int)? {
        let rows = try await client.query(
            """
            WITH mine AS (
                SELECT source_file, content_hash FROM ragsync_documents WHERE source = $1 AND content_hash IS NOT NULL
            )
            SELECT o.source, count(*), (SELECT count(*) FROM mine)
            FROM mine m
            JOIN ragsync_documents o ON o.source_file = m.source_file AND o.content_hash = m.content_hash
            JOIN ragsync_sources s ON s.name = o.source AND s.host = $2
            WHERE o.source NOT IN ($1, '')
            GROUP BY o.source ORDER BY 2 DESC, 1 LIMIT 1
            """, [source, host])
        return try rows.decoded { row throws(PostgresError) in (try row.string(0), try row.int(1), try row.int(2)) }.first
            .map { (source: $0.0, shared: $0.1, total: $0.2) }
    }

    /// Every source with its documents, chunks and when it last ran; documents no source owns yet are listed
    /// under a nil name.
    public func sources() async throws -> [SourceSummary] {
        try await client.query(
            """
            SELECT nullif(coalesce(s.name, d.source), ''), s.host, s.content_dir,
                   to_char(s.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   count(d.source_file) FILTER (WHERE d.content_hash IS NOT NULL), coalesce(sum(d.chunk_count), 0)
            FROM ragsync_sources s FULL JOIN ragsync_documents d ON d.source = s.name
            GROUP BY 1, 2, 3, 4
            ORDER BY 1 NULLS LAST
            """
        ).decoded { row throws(PostgresError) in
            SourceSummary(
                name: row.optionalString(0), host: row.optionalString(1), contentDirectory: row.optionalString(2),
                lastSeen: row.optionalString(3), documents: try row.int(4), chunks: try row.int(5))
        }
    }

    /// Deletes every document of the source `name` (chunks, embeddings, records) and the source itself, in one
    /// transaction, announcing each removal.
    /// - Returns: the documents and chunks deleted; nil when no source has that name.
    public static func removeSource(
        _ name: String, client: PostgresClient, schema: SchemaInfo, model: String
    ) async throws -> (documents: Int, chunks: Int)? {
        let writer = DocumentWriter(schema: schema, model: model, source: name)
        return try await client.ragsyncTransaction { connection in
            let known = try connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM ragsync_sources WHERE name = $1)
                    OR EXISTS (SELECT 1 FROM ragsync_documents WHERE source = $1)
                """, [name]
            ).scalar == "t"
            guard known else { return nil }
            let paths = try connection.query(
                "SELECT source_file FROM ragsync_documents WHERE source = $1 ORDER BY 1", [name]
            ).decoded { row throws(PostgresError) in try row.string(0) }
            var chunks = 0
            for path in paths {
                chunks += try writer.delete(
                    path, followedBy: [notification(action: "removed", sourceFile: path, source: name, chunks: 0)],
                    on: connection)
            }
            try connection.query("DELETE FROM ragsync_sources WHERE name = $1", [name])
            return (paths.count, chunks)
        }
    }

    /// Counts for the daemon's STATUS line: documents indexed, their chunks, documents whose last attempt failed.
    public func totals() async throws -> (documents: Int, chunks: Int, failed: Int) {
        let row = try await client.query(
            """
            SELECT count(*) FILTER (WHERE content_hash IS NOT NULL), coalesce(sum(chunk_count), 0),
                   count(*) FILTER (WHERE last_error IS NOT NULL)
            FROM ragsync_documents
            WHERE source IN ($1, '')
            """, [source]
        ).rows.first ?? []
        func number(_ index: Int) -> Int { index < row.count ? Int(row[index] ?? "0") ?? 0 : 0 }
        return (number(0), number(1), number(2))
    }

    /// What a full pass learns of rows changed behind ragsync's back: the documents to write again, the stray
    /// embeddings deleted, and whether the chunk rows were scanned for it at all.
    ///
    /// The scan is skipped when no other writer touched the chunk tables since this source's last clean check with
    /// this model (``ForeignWriteCounter``): at 12,786 chunks that is 0.3 ms instead of 26.
    public func checkDrift() async throws -> DriftCheck {
        let counts = try await client.query(
            """
            SELECT w.generation, c.generation FROM ragsync_foreign_writes w
            LEFT JOIN ragsync_drift_checks c ON c.source = $1 AND c.embedding_model = $2
            """, [source, model]
        ).decoded { row throws(PostgresError) in
            (now: row.optionalString(0).flatMap { Int64($0) }, checked: row.optionalString(1).flatMap { Int64($0) })
        }.first
        let generation = counts?.now
        if let generation, generation == counts?.checked {
            return DriftCheck(drifted: [:], orphanedEmbeddingsDeleted: 0, scanned: false)
        }
        let check = DriftCheck(
            drifted: try await driftedDocuments(), orphanedEmbeddingsDeleted: try await deleteOrphanedEmbeddings(),
            scanned: true)
        // Recorded only when clean: drifted documents are written again by this pass, and the next pass checks them.
        if let generation, check.drifted.isEmpty {
            try await client.query(
                """
                INSERT INTO ragsync_drift_checks (source, embedding_model, generation) VALUES ($1, $2, $3)
                ON CONFLICT (source, embedding_model) DO UPDATE SET generation = EXCLUDED.generation, checked_at = now()
                """, [source, model, generation])
        }
        return check
    }

    /// Documents whose rows no longer match what ragsync wrote (edited or deleted by hand), with the reason: a chunk
    /// count other than recorded, a chunk row updated by another writer (its row version is not the one ragsync
    /// recorded), or a chunk without an embedding of ``model``.
    ///
    /// One set-based statement over the whole store; such documents are written again from their files. Full passes
    /// run it through ``checkDrift()``; `ragsync check` always.
    public func driftedDocuments() async throws -> [String: String] {
        let rows = try await client.query(
            """
            WITH per_owner AS (
                -- Chunk rows by path and by the source ragsync wrote them for (NULL: rows ragsync never wrote, counted
                -- for every source that has the path).
                SELECT c.source_file, r.source, count(*) AS chunks,
                       count(*) FILTER (WHERE r.row_xmin IS DISTINCT FROM c.xmin) AS edited,
                       count(*) FILTER (WHERE NOT EXISTS (
                           SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.chunk_id AND e.embedding_model = $1
                       )) AS unembedded
                FROM document_chunks c LEFT JOIN ragsync_chunks r ON r.chunk_id = c.chunk_id
                GROUP BY c.source_file, r.source
            ), per_document AS (
                SELECT d.source_file, d.chunk_count, coalesce(sum(p.chunks), 0) AS chunks,
                       coalesce(sum(p.edited), 0) AS edited, coalesce(sum(p.unembedded), 0) AS unembedded
                FROM ragsync_documents d
                LEFT JOIN per_owner p ON p.source_file = d.source_file AND (p.source = d.source OR p.source IS NULL)
                WHERE d.content_hash IS NOT NULL AND d.source IN ($2, '')
                GROUP BY d.source_file, d.chunk_count
            )
            SELECT source_file,
                   CASE WHEN chunks <> chunk_count
                            THEN format('%s chunk(s) in the table, %s written', chunks, chunk_count)
                        WHEN edited > 0 THEN format('%s chunk row(s) changed by another writer', edited)
                        ELSE format('%s chunk(s) without an embedding of %s', unembedded, $1::text) END
            FROM per_document
            WHERE chunks <> chunk_count OR edited > 0 OR unembedded > 0
            """, [model, source])
        var drifted: [String: String] = [:]
        for row in try rows.decoded({ row throws(PostgresError) in (try row.string(0), row.optionalString(1) ?? "") }) {
            drifted[row.0] = row.1
        }
        return drifted
    }

    /// How many embeddings belong to no chunk. A foreign key with `ON DELETE CASCADE` (ragsync's schema and the
    /// origin's) prevents them; a database without one gets them when chunk rows are deleted by hand.
    public func orphanedEmbeddingCount() async throws -> Int {
        try await client.query(
            "SELECT count(*) FROM chunk_embeddings e WHERE NOT EXISTS (SELECT 1 FROM document_chunks c WHERE c.chunk_id = e.chunk_id)"
        ).scalarInt
    }

    /// Deletes ragsync's own leftovers, not damage, in one round trip: the outline vectors no document refers to any
    /// more (after edits and deletions), and vectors staged over an hour ago (by a pass that stopped before its
    /// write, or whose cleanup failed). Every full pass runs it (1-3 ms at 2,437 outlines).
    public func deleteLeftoverVectors() async throws {
        _ = try await client.withConnection { connection in
            try connection.pipeline([
                PostgresStatement(
                    """
                    DELETE FROM ragsync_outline_embeddings o
                    WHERE NOT EXISTS (SELECT 1 FROM ragsync_documents d WHERE d.outline_hash = o.outline_hash)
                    """),
                PostgresStatement(
                    "DELETE FROM ragsync_staged_embeddings WHERE staged_at < now() - interval '1 hour'"),
            ])
        }
    }

    /// Stores vectors of chunks about to be written, by chunk hash, outside any document's transaction: a document
    /// of thousands of new chunks is embedded slice by slice, and each slice waits here instead of in memory until
    /// its transaction copies it (``DocumentWriter``). Staging a hash again replaces its vector.
    ///
    /// Until they are unstaged, ``embeddedHashes(among:outlines:)`` counts these hashes as embedded, so a pass that
    /// stopped before its write sends none of them again.
    /// - Parameters:
    ///   - hashes: chunk hashes, one per vector.
    ///   - vectors: ``model``'s vectors, in the order of `hashes`.
    public func stageEmbeddings(hashes: [String], vectors: [[Float]]) async throws {
        // A hash once: one statement cannot update a row twice.
        var seen = Set<String>()
        let rows = zip(hashes, vectors).filter { seen.insert($0.0).inserted }
        guard !rows.isEmpty else { return }
        // One statement per slice, so no parameter holds more than a slice's vectors encoded (see DocumentWriter).
        let statements = rows.slices(of: DocumentWriter.rowsPerStatement).map { slice in
            PostgresStatement(
                """
                INSERT INTO ragsync_staged_embeddings (content_hash, embedding_model, embedding)
                SELECT t.hash, $3, t.v FROM unnest($1::text[], $2::vector[]) AS t(hash, v)
                ON CONFLICT (content_hash, embedding_model) DO UPDATE
                SET embedding = EXCLUDED.embedding, staged_at = EXCLUDED.staged_at
                """, [PostgresArray(slice.map(\.0)), schema.vectorParameter(slice.map(\.1)), model])
        }
        _ = try await client.withConnection { connection in try connection.pipeline(statements) }
    }

    /// Deletes staged vectors (``stageEmbeddings(hashes:vectors:)``) once the documents that needed them committed.
    public func unstageEmbeddings(hashes: [String]) async throws {
        guard !hashes.isEmpty else { return }
        try await client.query(
            "DELETE FROM ragsync_staged_embeddings WHERE content_hash = ANY($1::text[]) AND embedding_model = $2",
            [PostgresArray(hashes), model])
    }

    /// Deletes the embeddings that belong to no chunk (see ``orphanedEmbeddingCount()``).
    /// - Returns: how many were deleted.
    @discardableResult
    public func deleteOrphanedEmbeddings() async throws -> Int {
        // Found first through the two id indexes (an index-only anti-join: 3 ms at 12,786 embeddings, where the
        // DELETE's own scan read every vector row: 40 ms), and deleted only when there are any.
        let orphans = try await client.query(
            "SELECT e.chunk_id::text FROM chunk_embeddings e WHERE NOT EXISTS (SELECT 1 FROM document_chunks c WHERE c.chunk_id = e.chunk_id)"
        ).rows.compactMap { $0.first ?? nil }
        guard !orphans.isEmpty else { return 0 }
        // The id type comes from the catalog, never from input.
        let idType = schema.chunkIdType.sqlName
        return try await client.ragsyncTransaction { connection in
            try connection.query(
                """
                DELETE FROM chunk_embeddings e
                WHERE e.chunk_id = ANY($1::\(idType)[])
                  AND NOT EXISTS (SELECT 1 FROM document_chunks c WHERE c.chunk_id = e.chunk_id)
                """, [PostgresArray(orphans)]
            ).affectedRowCount
        }
    }

    /// Which of these chunk hashes already have an embedding for ``model`` anywhere in the store, and which of these
    /// outline hashes a vector, both asked in one round trip.
    ///
    /// A chunk whose hash is here is never sent to the embedding API: its vector is copied inside the database, from
    /// a stored embedding or a staged one (``stageEmbeddings(hashes:vectors:)``).
    /// - Returns: the chunk hashes with an embedding or a staged vector, the outline hashes with a vector, and the
    ///   chunk hashes with a staged vector (to unstage once written).
    public func embeddedHashes(
        among chunkHashes: [String], outlines outlineHashes: [String] = []
    ) async throws -> (chunks: Set<String>, outlines: Set<String>, staged: Set<String>) {
        var statements: [PostgresStatement] = []
        if !chunkHashes.isEmpty {
            statements.append(PostgresStatement(
                """
                SELECT DISTINCT r.content_hash
                FROM ragsync_chunks r JOIN chunk_embeddings e ON e.chunk_id = r.chunk_id
                WHERE r.content_hash = ANY($1::text[]) AND e.embedding_model = $2
                """, [PostgresArray(chunkHashes), model]))
            statements.append(PostgresStatement(
                """
                SELECT content_hash FROM ragsync_staged_embeddings
                WHERE content_hash = ANY($1::text[]) AND embedding_model = $2
                """, [PostgresArray(chunkHashes), model]))
        }
        if !outlineHashes.isEmpty {
            statements.append(PostgresStatement(
                """
                SELECT outline_hash FROM ragsync_outline_embeddings
                WHERE outline_hash = ANY($1::text[]) AND embedding_model = $2
                """, [PostgresArray(outlineHashes), model]))
        }
        guard !statements.isEmpty else { return ([], [], []) }
        let results = try await client.withConnection { connection in
            try connection.pipeline(statements).map { Set($0.rows.compactMap { $0.first ?? nil }) }
        }
        let staged = chunkHashes.isEmpty || results.count < 2 ? [] : results[1]
        return (
            chunks: chunkHashes.isEmpty ? [] : (results.first ?? []).union(staged),
            outlines: outlineHashes.isEmpty ? [] : results.last ?? [],
            staged: staged)
    }

    /// Replaces a document's rows with `update` in one transaction.
    ///
    /// Chunks whose hash the document already had keep their `chunk_id` (ids cached by the web app or logged in
    /// `query_logs` stay valid) and are only updated where their position or metadata changed; chunks that are gone
    /// are deleted with their embeddings; new chunks are inserted in bulk with either the vector given or a copy of
    /// an existing embedding with the same hash. The document's hash is written last.
    /// - Returns: how many chunks were kept, inserted and deleted.
    /// - Throws: ``DocumentStoreError/embeddingVanished`` when an embedding to copy was deleted meanwhile (the
    ///   transaction is rolled back; embed the chunk and try again), or `PostgresError`.
    @discardableResult
    public func replace(_ update: DocumentUpdate) async throws -> DocumentWriteResult {
        guard let result = try await replace([update]).first else {
            throw PostgresError(.unexpectedResult, message: "no write result for \(update.sourceFile)")
        }
        return result
    }

    /// Replaces several documents' rows in one transaction, as ``replace(_:)-swift.method`` does for one.
    ///
    /// A cold index writes its documents in batches this way: a few statements and one commit per batch instead
    /// of per document. A crash still leaves each document old or new, never a mix (the whole batch is one or the
    /// other), and every document gets its own `NOTIFY`.
    /// - Returns: one result per update, in order.
    /// - Throws: ``DocumentStoreError/duplicateDocument(_:)`` when two updates name one path (nothing is written).
    @discardableResult
    public func replace(_ updates: [DocumentUpdate]) async throws -> [DocumentWriteResult] {
        var paths = Set<String>()
        if let duplicate = updates.first(where: { !paths.insert($0.sourceFile).inserted }) {
            throw DocumentStoreError.duplicateDocument(duplicate.sourceFile)
        }
        guard !updates.isEmpty else { return [] }
        let writer = DocumentWriter(schema: schema, model: model, source: source)
        return try await client.ragsyncTransaction { connection in
            let notifications = PostgresStatement(
                """
                SELECT pg_notify($1, json_build_object(
                    'action', 'indexed', 'source_file', t.path, 'chunks', t.chunks, 'source', $4::text)::text)
                FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS t(path, chunks, position)
                ORDER BY t.position
                """,
                [
                    Self.notificationChannel, PostgresArray(updates.map(\.sourceFile)),
                    PostgresArray(updates.map(\.chunks.count)), source,
                ])
            return try writer.replace(updates, followedBy: [notifications], on: connection)
        }
    }

    /// Refreshes the planner's statistics of the tables ragsync writes and their visibility maps (`VACUUM (ANALYZE)`),
    /// as after any bulk load, rather than at autovacuum's next round. It also merges the full text's GIN pending list,
    /// which bulk batches fill (``DocumentWriter``).
    ///
    /// The visibility map lets the checks every full pass makes read indexes alone: at 12,786 chunks the drift check
    /// took 30 ms instead of 57, and counting a model's embeddings 1 ms instead of 29.
    ///
    /// Then records the frequent words (``refreshFrequentLexemes()``). After a bulk pass the caller runs the two
    /// parts on connections of their own instead (``refreshTableStatistics(includingEmbeddings:)``,
    /// ``refreshFrequentLexemes(on:)``).
    public func refreshStatistics() async throws {
        try await refreshTableStatistics()
        try await refreshFrequentLexemes()
    }

    /// The `VACUUM (ANALYZE)` of ``refreshStatistics()``, without the frequent words.
    /// - Parameter includingEmbeddings: false when the caller refreshes `chunk_embeddings` itself, on another
    ///   connection (``refreshEmbeddingStatistics(on:)``).
    public func refreshTableStatistics(includingEmbeddings: Bool = true) async throws {
        try await Self.vacuumAnalyze(
            ["document_chunks", "ragsync_chunks", "ragsync_documents", "ragsync_chunk_search"]
                + (includingEmbeddings ? ["chunk_embeddings"] : []),
            on: client)
    }

    /// `VACUUM (ANALYZE) chunk_embeddings` on `client`: the part of ``refreshTableStatistics(includingEmbeddings:)``
    /// that the vector index upkeep runs on its own connection, before it builds, while the other tables are refreshed.
    public static func refreshEmbeddingStatistics(on client: PostgresClient) async throws {
        try await vacuumAnalyze(["chunk_embeddings"], on: client)
    }

    /// `VACUUM (ANALYZE)` of ragsync's tables; the names are the constants above, never input.
    private static func vacuumAnalyze(_ tables: [String], on client: PostgresClient) async throws {
        try await client.withConnection { connection in
            try connection.execute("VACUUM (ANALYZE) " + tables.joined(separator: ", "))
        }
    }

    /// Records the words found in 200 chunks or more (with at least 1,000 chunks), marking those in more than a tenth
    /// as stop words: the full-text side of a hybrid search leaves stop words out of the question (a stop list made
    /// from the corpus) and keeps the rest rarest first within a budget of matches. Stop words rank nothing
    /// (every other chunk has them) and cost the most: a question of six such words matched 8,374 of 25,909 chunks,
    /// and ranking them took 80 ms of a 96 ms search. `ts_stat` over the 25,909 chunks took 0.6 s; it runs with the
    /// statistics, after bulk passes.
    public func refreshFrequentLexemes() async throws {
        try await Self.refreshFrequentLexemes(on: client)
    }

    /// ``refreshFrequentLexemes()`` on `client`, a connection to the same database: after a bulk pass it runs beside
    /// the vacuum rather than after it (at 1,000 files 0.05 s of a 0.13 s tail, at 5,000 files 0.27-0.30 s).
    public static func refreshFrequentLexemes(on client: PostgresClient) async throws {
        try await client.ragsyncTransaction { connection in
            try connection.execute("DELETE FROM ragsync_frequent_lexemes")
            try connection.execute(
                """
                INSERT INTO ragsync_frequent_lexemes (lexeme, chunks, stop)
                SELECT s.word, s.ndoc, s.ndoc > t.total / 10 FROM (SELECT count(*) AS total FROM ragsync_chunk_search) AS t,
                    LATERAL ts_stat('SELECT search_vector FROM ragsync_chunk_search') AS s
                WHERE t.total >= 1000 AND s.ndoc >= 200
                """)
        }
    }

    /// Moves a document's rows to a new path (a rename with unchanged bytes): no row is rewritten but for its
    /// `source_file`, so chunk ids and embeddings stay.
    public func rename(from oldPath: String, to newPath: String) async throws {
        let writer = DocumentWriter(schema: schema, model: model, source: source)
        try await client.ragsyncTransaction { connection in
            try writer.rename(
                from: oldPath, to: newPath,
                followedBy: [Self.notification(action: "renamed", sourceFile: newPath, source: source, from: oldPath)],
                on: connection)
        }
    }

    /// Deletes a document's rows: its embeddings, chunks and bookkeeping.
    /// - Returns: the number of chunks deleted.
    @discardableResult
    public func delete(_ sourceFile: String) async throws -> Int {
        let writer = DocumentWriter(schema: schema, model: model, source: source)
        return try await client.ragsyncTransaction { connection in
            try writer.delete(
                sourceFile,
                followedBy: [Self.notification(action: "removed", sourceFile: sourceFile, source: source, chunks: 0)],
                on: connection)
        }
    }

    /// Writes a retrieval to `query_logs` in whatever type its `retrieved_chunk_ids` column has.
    /// - Throws: ``StoreError`` when the database has no `query_logs` table.
    public func logQuery(_ text: String, retrievedChunkIds ids: [String]) async throws {
        let isNumeric = schema.chunkIdType != .uuid
        let value: any PostgresEncodable
        let cast: String
        switch schema.retrievedChunkIdsType {
        case .array(let element)?:
            // The element type comes from the catalog (uuid, int4, int8), not from input.
            value = PostgresArray(ids)
            cast = "\(element)[]"
        case .jsonb?, .json?:
            value = "[" + ids.map { isNumeric ? $0 : "\"\($0)\"" }.joined(separator: ",") + "]"
            cast = schema.retrievedChunkIdsType == .jsonb ? "jsonb" : "json"
        case .text?:
            value = ids.joined(separator: ",")
            cast = "text"
        case nil:
            throw StoreError(.notMigrated, message: "the database has no query_logs table; run `ragsync migrate`")
        }
        try await client.query(
            "INSERT INTO query_logs (query_text, retrieved_chunk_ids) VALUES ($1, $2::\(cast))", [text, value])
    }

    /// The channel a web app can `LISTEN` on to hear of every committed change.
    public static let notificationChannel = "ragsync"

    /// `NOTIFY ragsync, '{"action": …, "source_file": …, "chunks": …}'`, sent in the document's transaction:
    /// PostgreSQL delivers it when (and only if) the transaction commits.
    private static func notification(
        action: String, sourceFile: String, source: String, chunks: Int? = nil, from: String? = nil
    ) -> PostgresStatement {
        PostgresStatement(
            """
            SELECT pg_notify($1, json_strip_nulls(json_build_object(
                'action', $2::text, 'source_file', $3::text, 'chunks', $4::int, 'from', $5::text, 'source', $6::text))::text)
            """, [notificationChannel, action, sourceFile, chunks, from, source])
    }

    /// Records that a document could not be indexed; its last good rows stay as they are.
    /// - Parameters:
    ///   - contentHash: the hash of the bytes that failed when the failure is permanent for those bytes (a parse
    ///     error), so they are not retried until the file changes; `nil` for transient failures (an outage).
    public func recordFailure(_ sourceFile: String, contentHash: String?, error: String) async throws {
        try await client.query(
            """
            INSERT INTO ragsync_documents (source_file, failed_hash, last_error, failed_at, updated_at, source)
            VALUES ($1, $2, $3, now(), now(), $4)
            ON CONFLICT (source, source_file) DO UPDATE
            SET failed_hash = EXCLUDED.failed_hash, last_error = EXCLUDED.last_error,
                failed_at = now(), updated_at = now()
            """, [sourceFile, contentHash, error, source])
    }
}

/// ragsync's bookkeeping row for one document.
public struct StoredDocument: Sendable, Equatable {
    public var sourceFile: String
    /// The hash of the bytes whose rows are in the store; nil when it never indexed successfully.
    public var contentHash: String?
    /// The hash of bytes that failed for good (a parse error); they are skipped until the file changes.
    public var failedHash: String?
    public var chunkCount: Int
    public var lastError: String?
    /// The ``DocumentUpdate/chunking`` its rows were cut with; nil for rows written before it was recorded.
    public var chunking: String?
    /// The file's stamp recorded with `contentHash` (a stat cache entry); nil when none is.
    public var fileStamp: String? = nil
}

/// A document's new version, ready to write.
public struct DocumentUpdate: Sendable {
    public var sourceFile: String
    public var contentHash: String
    public var byteCount: Int
    public var title: String
    public var category: String?
    public var chunks: [ChunkRow]
    /// The frontmatter's part of every chunk's `metadata_json`, serialized once: PostgreSQL merges each chunk's own
    /// ``ChunkRow/metadataJSON`` over it (`||`), so a large frontmatter is not copied once per chunk in memory (20,000
    /// tags on a document of 800 chunks took 384 MB that way).
    public var metadataJSON: String
    /// How the chunks were cut (``Chunker/signature``): when it changes, unchanged files are cut again.
    public var chunking: String
    /// The hash of the document's outline (title and headings); nil writes none.
    public var outlineHash: String?
    /// The outline's vector when it was just embedded; nil when the store has one for the hash already.
    public var outlineVector: [Float]?
    /// The outline's text, kept so another model can embed it from the database (`ragsync reembed`).
    public var outlineText: String?
    /// The description the chunks' embedded texts carry under their context line ("" for none), kept for the same
    /// reason (``EmbeddedText``).
    public var description: String
    /// The file's settled stamp, taken before the bytes of `contentHash` were read (``recordFileStamps(_:)``), so
    /// that the record is written once; nil keeps the recorded stamp only while the hash is unchanged.
    public var fileStamp: String?

    public init(
        sourceFile: String, contentHash: String, byteCount: Int, title: String, category: String?, chunks: [ChunkRow],
        metadataJSON: String = "{}", chunking: String = "", outlineHash: String? = nil, outlineVector: [Float]? = nil,
        outlineText: String? = nil, description: String = "", fileStamp: String? = nil
    ) {
        self.metadataJSON = metadataJSON
        self.fileStamp = fileStamp
        self.chunking = chunking
        self.outlineHash = outlineHash
        self.outlineVector = outlineVector
        self.outlineText = outlineText
        self.description = description
        self.sourceFile = sourceFile
        self.contentHash = contentHash
        self.byteCount = byteCount
        self.title = title
        self.category = category
        self.chunks = chunks
    }
}

/// One chunk of a ``DocumentUpdate``.
public struct ChunkRow: Sendable {
    public var index: Int
    /// The text embedded and stored in `document_chunks.content`.
    public var content: String
    public var contentHash: String
    /// This chunk's keys of `metadata_json` (a JSON object), merged over its document's
    /// ``DocumentUpdate/metadataJSON``.
    public var metadataJSON: String
    /// The chunk's vector when it was just embedded; nil when an embedding with the same hash exists in the store
    /// and is copied there.
    public var vector: [Float]?
    /// True when the vector to copy is a staged one (``DocumentStore/stageEmbeddings(hashes:vectors:)``), looked up
    /// by its key before any stored embedding.
    public var vectorIsStaged: Bool
    /// "Heading > Subheading", weighted above the body in the chunk's full text.
    public var headingPath: String

    public init(
        index: Int, content: String, contentHash: String, metadataJSON: String, vector: [Float]?, headingPath: String = "",
        vectorIsStaged: Bool = false
    ) {
        self.index = index
        self.content = content
        self.headingPath = headingPath
        self.contentHash = contentHash
        self.metadataJSON = metadataJSON
        self.vector = vector
        self.vectorIsStaged = vectorIsStaged
    }
}

/// What a write did.
public struct DocumentWriteResult: Sendable, Equatable {
    public var kept: Int
    public var inserted: Int
    public var deleted: Int
}

/// Write failures that call for another attempt rather than a report.
public enum DocumentStoreError: Error, CustomStringConvertible {
    /// An embedding that was to be copied for these chunk hashes is no longer in the store.
    case embeddingVanished(hashes: [String])
    /// One write batch named this document twice; the caller must merge its updates first.
    case duplicateDocument(String)

    public var description: String {
        switch self {
        case .duplicateDocument(let path):
            return "a write batch named \(path) twice; nothing was written, the next pass writes it once"
        case .embeddingVanished(let hashes):
            return "the stored embeddings for \(hashes.count) chunk(s) were deleted while writing; they will be embedded again"
        }
    }
}
