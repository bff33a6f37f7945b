// ragsync — DocumentWriter: the statements of one document's transaction, in bulk.

import FoundationEssentials
import Postgres

/// The SQL of one document's write, run inside a transaction that ``DocumentStore`` opens.
///
/// Rows are written with one statement per table and document (`unnest` over array parameters), not one per chunk.
/// Every value is a parameter; the only text spliced into SQL is the id type read from the catalog.
struct DocumentWriter {
    let schema: SchemaInfo
    let model: String
    /// The source the written documents belong to. A document is a path within a source: two sources may each have
    /// `about.md`, whose rows (one `source_file`) ragsync tells apart by `ragsync_chunks.source`.
    let source: String

    /// This source's chunk rows of the paths in `$1` (as `d`, with their bookkeeping as `r`): rows ragsync wrote for
    /// this source or for no source yet, and rows of those paths ragsync never wrote (an origin database's), which
    /// the first write adopts. `$2` is the source.
    private static let ownChunks = """
        document_chunks d LEFT JOIN ragsync_chunks r ON r.chunk_id = d.chunk_id
        WHERE d.source_file = ANY($1::text[]) AND (r.chunk_id IS NULL OR r.source IN ($2, ''))
        """

    private var idType: String { schema.chunkIdType.sqlName }

    /// Replaces the rows of each document in `updates` (distinct paths) with one statement per table for all of
    /// them: a cold index of thousands of files costs a few round trips per batch, not per document.
    ///
    /// The statements go in pipelines (``PostgresConnection/pipeline(_:)``): the locks and the reads the plan needs
    /// in one round trip, every write in a second, plus one per slice of new chunks with integer ids (the table
    /// numbers them, and their bookkeeping rows need the numbers). An edit's writes waited on 14 round trips before.
    /// - Parameter followingStatements: statements of the caller's sent with the writes (its notification).
    func replace(
        _ updates: [DocumentUpdate], followedBy followingStatements: [PostgresStatement] = [],
        on connection: PostgresConnection
    ) throws -> [DocumentWriteResult] {
        let paths = updates.map(\.sourceFile)
        let existingChunks = PostgresStatement(
            """
            SELECT d.source_file, d.chunk_id::text, r.content_hash,
                   EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = d.chunk_id AND e.embedding_model = $3)
            FROM \(Self.ownChunks)
            """, [PostgresArray(paths), source, model])
        let reads = try connection.pipeline([lock(paths), adoptUnowned(paths), existingChunks] + lostChunkIds(of: paths))
        guard let existing = reads.dropFirst(2).first else {
            throw PostgresError(.unexpectedResult, message: "no result for the chunks of \(paths.count) documents")
        }
        var existingByPath: [String: [(id: String, hash: String?, embedded: Bool)]] = [:]
        for row in try existing.decoded({ row throws(PostgresError) in
            (path: try row.string(0), id: try row.string(1), hash: row.optionalString(2), embedded: row.bool(3))
        }) {
            existingByPath[row.path, default: []].append((row.id, row.hash, row.embedded))
        }

        var plan = WritePlan()
        var results: [DocumentWriteResult] = []
        for (position, update) in updates.enumerated() {
            results.append(plan.add(update, at: position, existing: existingByPath[update.sourceFile] ?? []))
        }

        var writes: [PostgresStatement] = []
        if plan.fresh.count >= Self.bulkChunks {
            // A bulk batch adds its full text to the GIN index's pending list, merged at the VACUUM after a bulk pass,
            // instead of merging the list into the index every 4 MB: the full-text insert of 2,548 chunks took 150 ms
            // instead of 330-500. (`set_config(…, true)` is `SET LOCAL`.)
            writes.append(PostgresStatement("SELECT set_config('gin_pending_list_limit', '64MB', true)"))
        }
        // Only a write that inserts chunks can give a lost id back.
        var lostIds = plan.fresh.isEmpty ? [:] : try Self.lostChunkIds(in: reads.dropFirst(3).first)
        let inserted = try insertChunks(plan.fresh, of: updates, reusing: &lostIds, on: connection)
        writes += inserted.statements
        let embeddings = embeddingWrites(plan.needsEmbedding + zip(inserted.ids, plan.fresh).map { ($0, $1.chunk) })
        let embeddingsStart = writes.count
        writes += embeddings
        writes += updateKept(plan.kept, of: updates)
        writes += deleteChunks(plan.unmatched)
        writes.append(recordRowVersions(of: paths))
        writes.append(recordDocuments(
            updates,
            chunks: plan.kept.map { (updates[$0.document].sourceFile, $0.chunk, $0.id) }
                + zip(plan.fresh, inserted.ids).map { (updates[$0.document].sourceFile, $0.chunk, $1) }))
        writes += writeOutlineVectors(updates)

        let written = try connection.pipeline(writes + followingStatements)
        // Of the embeddings' statements, only the copies return rows: the hashes they found no embedding to copy of.
        let vanished = written.dropFirst(embeddingsStart).prefix(embeddings.count).flatMap { result in
            result.rows.compactMap { $0.first ?? nil }
        }
        if !vanished.isEmpty {
            throw DocumentStoreError.embeddingVanished(hashes: vanished)
        }
        return results
    }

    /// Records each document, with its outline, its chunks' hashes and ids in order (see ``lostChunkIds(of:on:)``)
    /// and its file stamp, in one row version: a document written once leaves one dead row behind, not four (an
    /// insert, then updates of the outline, of the chunk ids and of the stamp, made the record table 2.6 times its
    /// live size after a cold index, and every full pass reads it).
    private func recordDocuments(
        _ updates: [DocumentUpdate], chunks: [(path: String, chunk: ChunkRow, id: String)]
    ) -> PostgresStatement {
        PostgresStatement(
            """
            WITH chunks AS (
                SELECT c.path, array_agg(c.hash ORDER BY c.idx) AS hashes, array_agg(c.id ORDER BY c.idx) AS ids
                FROM unnest($8::text[], $9::int[], $10::text[], $11::text[]) AS c(path, idx, hash, id)
                GROUP BY c.path
            )
            INSERT INTO ragsync_documents
                (source_file, content_hash, byte_count, chunk_count, chunking, indexed_at, updated_at, source, description,
                 outline_hash, outline_text, chunk_hashes, chunk_ids, file_stamp)
            SELECT t.path, t.hash, t.bytes, t.chunks, t.chunking, now(), now(), $6, t.description,
                   t.outline_hash, t.outline_text, coalesce(c.hashes, '{}'), coalesce(c.ids, '{}'), t.stamp
            FROM unnest(
                    $1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $7::text[], $12::text[], $13::text[],
                    $14::text[])
                AS t(path, hash, bytes, chunks, chunking, description, outline_hash, outline_text, stamp)
            LEFT JOIN chunks c ON c.path = t.path
            ON CONFLICT (source, source_file) DO UPDATE
            SET content_hash = EXCLUDED.content_hash, byte_count = EXCLUDED.byte_count,
                chunk_count = EXCLUDED.chunk_count, chunking = EXCLUDED.chunking, failed_hash = NULL, last_error = NULL,
                failed_at = NULL, indexed_at = now(), updated_at = now(), description = EXCLUDED.description,
                outline_hash = EXCLUDED.outline_hash, outline_text = EXCLUDED.outline_text,
                chunk_hashes = EXCLUDED.chunk_hashes, chunk_ids = EXCLUDED.chunk_ids,
                file_stamp = coalesce(
                    EXCLUDED.file_stamp,
                    CASE WHEN ragsync_documents.content_hash IS NOT DISTINCT FROM EXCLUDED.content_hash
                         THEN ragsync_documents.file_stamp END)
            """,
            [
                PostgresArray(updates.map(\.sourceFile)), PostgresArray(updates.map(\.contentHash)),
                PostgresArray(updates.map(\.byteCount)), PostgresArray(updates.map(\.chunks.count)),
                PostgresArray(updates.map(\.chunking)), source, PostgresArray(updates.map(\.description)),
                PostgresArray(chunks.map(\.path)), PostgresArray(chunks.map(\.chunk.index)),
                PostgresArray(chunks.map(\.chunk.contentHash)), PostgresArray(chunks.map(\.id)),
                PostgresArray(updates.map { $0.outlineHash }), PostgresArray(updates.map { $0.outlineText }),
                PostgresArray(updates.map { $0.fileStamp }),
            ])
    }

    /// Stores the outline vectors just embedded (one per hash and model).
    private func writeOutlineVectors(_ updates: [DocumentUpdate]) -> [PostgresStatement] {
        let fresh = updates.compactMap { update in
            update.outlineHash.flatMap { hash in update.outlineVector.map { (hash: hash, vector: $0) } }
        }
        guard !fresh.isEmpty else { return [] }
        return [PostgresStatement(
            """
            INSERT INTO ragsync_outline_embeddings (outline_hash, embedding_model, embedding)
            SELECT t.hash, $3, t.v FROM unnest($1::text[], $2::vector[]) AS t(hash, v)
            ORDER BY t.hash
            ON CONFLICT (outline_hash, embedding_model) DO NOTHING
            """, [PostgresArray(fresh.map(\.hash)), schema.vectorParameter(fresh.map(\.vector)), model])]
    }

    /// Moves a document's rows to `newPath`, replacing what that path had, in two round trips: the locks and both
    /// paths' chunk ids, then every write.
    func rename(
        from oldPath: String, to newPath: String, followedBy followingStatements: [PostgresStatement] = [],
        on connection: PostgresConnection
    ) throws {
        let reads = try connection.pipeline([lock([oldPath, newPath]), ownChunkIds(of: [newPath]), ownChunkIds(of: [oldPath])])
        let replacedIds = try Self.chunkIds(in: reads.dropFirst().first)
        let ids = try Self.chunkIds(in: reads.dropFirst(2).first).filter { !replacedIds.contains($0) }
        try connection.pipeline(
            deleteDocument(newPath, chunkIds: replacedIds)
                + [
                    PostgresStatement(
                        "UPDATE document_chunks SET source_file = $2 WHERE chunk_id = ANY($1::\(idType)[])",
                        [PostgresArray(ids), newPath]),
                    PostgresStatement(
                        "UPDATE ragsync_chunks SET source_file = $2, source = $3 WHERE chunk_id = ANY($1::\(idType)[])",
                        [PostgresArray(ids), newPath, source]),
                    PostgresStatement(
                        """
                        UPDATE ragsync_documents SET source_file = $2, source = $3, updated_at = now()
                        WHERE source_file = $1 AND source IN ($3, '')
                        """, [oldPath, newPath, source]),
                    recordRowVersions(of: [newPath]),
                ]
                + followingStatements)
    }

    /// Deletes a document's rows in two round trips: the lock and its chunk ids, then the deletes.
    /// - Returns: the number of chunks deleted.
    func delete(
        _ sourceFile: String, followedBy followingStatements: [PostgresStatement] = [], on connection: PostgresConnection
    ) throws -> Int {
        let reads = try connection.pipeline([lock([sourceFile]), ownChunkIds(of: [sourceFile])])
        let ids = try Self.chunkIds(in: reads.last)
        try connection.pipeline(deleteDocument(sourceFile, chunkIds: ids) + followingStatements)
        return ids.count
    }

    /// The deletes of a document's chunks (``deleteChunks(_:)``) and of its record.
    private func deleteDocument(_ sourceFile: String, chunkIds: [String]) -> [PostgresStatement] {
        deleteChunks(chunkIds) + [
            PostgresStatement(
                "DELETE FROM ragsync_documents WHERE source_file = $1 AND source IN ($2, '')", [sourceFile, source])
        ]
    }

    /// Makes this source the owner of these paths' documents and chunks that no source owns yet (written before
    /// sources existed), so the write updates them instead of adding a second document.
    /// One statement, so a write of a document every source already owns (the usual case once a full pass ran) pays
    /// one round trip for it, both updates finding nothing through the indexes on (source, path).
    private func adoptUnowned(_ paths: [String]) -> PostgresStatement {
        PostgresStatement(
            """
            WITH documents AS (
                UPDATE ragsync_documents d SET source = $2
                WHERE d.source = '' AND d.source_file = ANY($1::text[])
                  AND NOT EXISTS (SELECT 1 FROM ragsync_documents o WHERE o.source = $2 AND o.source_file = d.source_file)
            )
            UPDATE ragsync_chunks SET source = $2 WHERE source = '' AND source_file = ANY($1::text[])
            """, [PostgresArray(paths), source])
    }

    /// The ids of this source's chunk rows of these paths (see ``ownChunks``), read by ``chunkIds(in:)``.
    private func ownChunkIds(of paths: [String]) -> PostgresStatement {
        PostgresStatement("SELECT d.chunk_id::text FROM \(Self.ownChunks)", [PostgresArray(paths), source])
    }

    private static func chunkIds(in result: PostgresRows?) throws(PostgresError) -> [String] {
        guard let result else { throw PostgresError(.unexpectedResult, message: "no result for a document's chunk ids") }
        return try result.decoded { row throws(PostgresError) in try row.string(0) }
    }

    /// Records the row version (xmin) of these documents' chunk rows as this transaction leaves them, so the drift
    /// check can tell a row someone else updated later. Rows this transaction did not touch keep their record.
    private func recordRowVersions(of sourceFiles: [String]) -> PostgresStatement {
        PostgresStatement(
            """
            UPDATE ragsync_chunks r SET row_xmin = d.xmin
            FROM document_chunks d
            WHERE d.chunk_id = r.chunk_id AND r.source_file = ANY($1::text[]) AND r.source = $2
              AND r.row_xmin IS DISTINCT FROM d.xmin
            """, [PostgresArray(sourceFiles), source])
    }

    /// Serializes writers of these paths across processes and hosts until the transaction ends.
    ///
    /// The locks are taken in sorted order, so two writers with overlapping sets of paths cannot deadlock.
    private func lock(_ sourceFiles: [String]) -> PostgresStatement {
        PostgresStatement(
            """
            SELECT pg_advisory_xact_lock(hashtextextended('ragsync.document:' || path, 0))
            FROM (SELECT DISTINCT unnest($1::text[]) AS path ORDER BY 1) AS paths
            """, [PostgresArray(sourceFiles)])
        // Per path, not per source: two sources writing one path (one `source_file`) wait for each other too.
    }

    /// The ids these documents' chunks had when ragsync last wrote them, for rows deleted since (by hand), by path and
    /// chunk hash: a repaired chunk gets its old id back, so ids logged in `query_logs` stay valid. UUID ids only;
    /// integer ids come from the table's own sequence.
    ///
    /// The statement is sent with the plan's reads, though only a write with new chunks uses its rows: one round
    /// trip less for an edit, and no rows at all unless someone deleted chunk rows.
    private func lostChunkIds(of paths: [String]) -> [PostgresStatement] {
        guard schema.chunkIdType == .uuid else { return [] }
        return [PostgresStatement(
            """
            SELECT d.source_file, u.hash, u.id
            FROM ragsync_documents d, unnest(d.chunk_hashes, d.chunk_ids) AS u(hash, id)
            WHERE d.source_file = ANY($1::text[]) AND d.source = $2
              AND NOT EXISTS (SELECT 1 FROM document_chunks c WHERE c.chunk_id = u.id::uuid)
            """, [PostgresArray(paths), source])]
    }

    /// The rows of ``lostChunkIds(of:)`` by path and chunk hash (none for integer ids, which send no statement).
    private static func lostChunkIds(in rows: PostgresRows?) throws(PostgresError) -> [String: [String: [String]]] {
        guard let rows else { return [:] }
        var lost: [String: [String: [String]]] = [:]
        for row in try rows.decoded({ row throws(PostgresError) in (try row.string(0), try row.string(1), try row.string(2)) }) {
            lost[row.0, default: [:]][row.1, default: []].append(row.2)
        }
        return lost
    }

    /// Rows one statement writes at most. A document of thousands of chunks is written in slices of this many
    /// (in its one transaction), so the statement's parameters (text arrays and vectors, each copied again by
    /// libpq) stay small: a 2,665-chunk file peaked at 151 MB when written in one statement.
    static let rowsPerStatement = 256

    /// Chunks from which a batch's write counts as bulk (a cold index writes 50 documents, about 125 chunks, at once).
    static let bulkChunks = 100

    /// The inserts of chunks and their bookkeeping rows, with the chunks' ids in the order of `chunks`.
    ///
    /// UUID ids are made here, so every insert is returned to be sent later. Integer ids come from the table's own
    /// sequence: those chunk rows are inserted now, and only their bookkeeping rows are returned.
    /// - Parameter lostIds: ids of deleted rows by path and hash, reused (and consumed) for chunks with that hash.
    private func insertChunks(
        _ chunks: [(document: Int, chunk: ChunkRow)], of updates: [DocumentUpdate],
        reusing lostIds: inout [String: [String: [String]]], on connection: PostgresConnection
    ) throws -> (ids: [String], statements: [PostgresStatement]) {
        var ids: [String] = []
        var statements: [PostgresStatement] = []
        ids.reserveCapacity(chunks.count)
        for slice in chunks.slices(of: Self.rowsPerStatement) {
            let inserted = try insertChunkSlice(Array(slice), of: updates, reusing: &lostIds, on: connection)
            ids += inserted.ids
            statements += inserted.statements
        }
        return (ids, statements)
    }

    private func insertChunkSlice(
        _ chunks: [(document: Int, chunk: ChunkRow)], of updates: [DocumentUpdate],
        reusing lostIds: inout [String: [String: [String]]], on connection: PostgresConnection
    ) throws -> (ids: [String], statements: [PostgresStatement]) {
        guard !chunks.isEmpty else { return ([], []) }
        let ids: [String]
        var statements: [PostgresStatement] = []
        let documents = chunks.map { updates[$0.document] }
        let shared = Self.sharedMetadata(of: chunks.map(\.document), in: updates)
        let columns: [any PostgresEncodable] = [
            PostgresArray(documents.map(\.sourceFile)), PostgresArray(documents.map(\.category)),
            PostgresArray(documents.map(\.title)), PostgresArray(chunks.map(\.chunk.content)),
            PostgresArray(chunks.map(\.chunk.index)), PostgresArray(chunks.map(\.chunk.metadataJSON)),
            shared.places, shared.objects,
        ]
        if schema.chunkIdType == .uuid {
            // Generated here, because an origin table may have no default for its UUID column.
            var reusable = lostIds
            ids = zip(documents, chunks).map { document, chunk in
                if let id = reusable[document.sourceFile]?[chunk.chunk.contentHash]?.popLast() {
                    return id
                }
                return UUID().uuidString.lowercased()
            }
            lostIds = reusable
            statements.append(PostgresStatement(
                """
                INSERT INTO document_chunks
                    (chunk_id, source_file, category, document_title, content, chunk_index, metadata_json)
                SELECT t.id, t.path, t.category, t.title, t.content, t.idx, ($8::jsonb[])[t.doc] || t.meta::jsonb
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], $9::uuid[])
                    AS t(path, category, title, content, idx, meta, doc, id)
                """, columns + [PostgresArray(ids)]))
        } else {
            let rows = try connection.query(
                """
                INSERT INTO document_chunks (source_file, category, document_title, content, chunk_index, metadata_json)
                SELECT t.path, t.category, t.title, t.content, t.idx, ($8::jsonb[])[t.doc] || t.meta::jsonb
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[])
                    AS t(path, category, title, content, idx, meta, doc)
                RETURNING chunk_id::text, source_file, chunk_index
                """, columns)
            var idByChunk: [ChunkKey: String] = [:]
            for row in try rows.decoded({ row throws(PostgresError) in
                (key: ChunkKey(sourceFile: try row.string(1), index: try row.int(2)), id: try row.string(0))
            }) {
                idByChunk[row.key] = row.id
            }
            ids = try zip(documents, chunks).map { document, chunk throws(PostgresError) in
                guard let id = idByChunk[ChunkKey(sourceFile: document.sourceFile, index: chunk.chunk.index)] else {
                    throw PostgresError(
                        .unexpectedResult,
                        message: "INSERT INTO document_chunks returned no id for \(document.sourceFile) chunk \(chunk.chunk.index)")
                }
                return id
            }
        }
        statements.append(PostgresStatement(
            """
            WITH written AS (
                INSERT INTO ragsync_chunks (chunk_id, source_file, content_hash, row_xmin, source)
                SELECT t.id::\(idType), t.path, t.hash, (SELECT d.xmin FROM document_chunks d WHERE d.chunk_id = t.id::\(idType)),
                       $7
                FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, path, hash)
            )
            INSERT INTO ragsync_chunk_search (chunk_id, search_vector)
            SELECT t.id::\(idType), ragsync_search_vector(t.title, t.headings, t.content)
            FROM unnest($1::text[], $4::text[], $5::text[], $6::text[]) AS t(id, title, headings, content)
            """,
            [
                PostgresArray(ids), PostgresArray(documents.map(\.sourceFile)),
                PostgresArray(chunks.map(\.chunk.contentHash)), PostgresArray(documents.map(\.title)),
                PostgresArray(chunks.map(\.chunk.headingPath)), PostgresArray(chunks.map(\.chunk.content)), source,
            ]))
        return (ids, statements)
    }

    /// The writes of the embeddings of chunks that have none for the model: the vectors given, copies of staged
    /// vectors (``ChunkRow/vectorIsStaged``), or copies of a stored embedding with the same chunk hash.
    ///
    /// Only the copies return rows: the hashes of chunks no stored embedding was found for (none, unless one was
    /// deleted since the plan was made), which ``replace(_:followedBy:on:)`` reports.
    private func embeddingWrites(_ chunks: [(id: String, chunk: ChunkRow)]) -> [PostgresStatement] {
        chunks.slices(of: Self.rowsPerStatement).flatMap { slice in embeddingSliceWrites(Array(slice)) }
    }

    private func embeddingSliceWrites(_ chunks: [(id: String, chunk: ChunkRow)]) -> [PostgresStatement] {
        var statements: [PostgresStatement] = []
        let given = chunks.compactMap { chunk in chunk.chunk.vector.map { (id: chunk.id, vector: $0) } }
        if !given.isEmpty {
            statements.append(PostgresStatement(
                """
                INSERT INTO chunk_embeddings (chunk_id, embedding, embedding_model)
                SELECT t.id::\(idType), t.v, $3 FROM unnest($1::text[], $2::vector[]) AS t(id, v)
                """,
                [PostgresArray(given.map(\.id)), schema.vectorParameter(given.map(\.vector)), model]))
        }
        let staged = chunks.filter { $0.chunk.vector == nil && $0.chunk.vectorIsStaged }
        if !staged.isEmpty {
            // The staged vector by its key; a stored one only when it is gone (another batch wrote it meanwhile).
            statements.append(copyStatement(staged, from: """
                (SELECT s.embedding FROM ragsync_staged_embeddings s
                 WHERE s.content_hash = t.hash AND s.embedding_model = $3)
                UNION ALL
                (\(Self.storedEmbedding))
                LIMIT 1
                """))
        }
        let copied = chunks.filter { $0.chunk.vector == nil && !$0.chunk.vectorIsStaged }
        if !copied.isEmpty {
            statements.append(copyStatement(copied, from: Self.storedEmbedding))
        }
        return statements
    }

    /// A stored embedding of ``model`` (`$3`) for the hash `t.hash`, found from the chunks with that hash.
    ///
    /// The chunks drive the lookup (the embedding is a lateral subquery of each): joined the other way, with
    /// statistics a large pass has outgrown, PostgreSQL scanned the model's embeddings for every chunk to copy (a
    /// cold index of twelve 8 MB files, whose chunks were all copied from staged vectors, ran past 15 minutes).
    private static let storedEmbedding = """
        SELECT e.embedding FROM ragsync_chunks r
        CROSS JOIN LATERAL (
            SELECT e.embedding FROM chunk_embeddings e WHERE e.chunk_id = r.chunk_id AND e.embedding_model = $3 LIMIT 1
        ) AS e
        WHERE r.content_hash = t.hash LIMIT 1
        """

    /// Inserts each chunk's embedding as `source` finds it for the chunk's hash (`t.hash`) and ``model`` (`$3`),
    /// and returns the hashes it found none for, in order.
    private func copyStatement(_ chunks: [(id: String, chunk: ChunkRow)], from source: String) -> PostgresStatement {
        PostgresStatement(
            """
            WITH t AS (SELECT * FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(id, hash, position)),
            written AS (
                INSERT INTO chunk_embeddings (chunk_id, embedding, embedding_model)
                SELECT t.id::\(idType), source.embedding, $3
                FROM t CROSS JOIN LATERAL (\(source)) AS source
                RETURNING chunk_id
            )
            SELECT t.hash FROM t
            WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.chunk_id = t.id::\(idType))
            ORDER BY t.position
            """, [PostgresArray(chunks.map(\.id)), PostgresArray(chunks.map(\.chunk.contentHash)), model])
    }

    /// Updates position and metadata of kept chunks, only where something changed.
    private func updateKept(
        _ kept: [(id: String, document: Int, chunk: ChunkRow)], of updates: [DocumentUpdate]
    ) -> [PostgresStatement] {
        guard !kept.isEmpty else { return [] }
        let documents = kept.map { updates[$0.document] }
        let shared = Self.sharedMetadata(of: kept.map(\.document), in: updates)
        // The content too: a kept chunk's text can only differ from what ragsync wrote when someone edited the row,
        // and a repair puts it back.
        return [PostgresStatement(
            """
            UPDATE document_chunks AS d
            SET chunk_index = t.idx, category = t.category, document_title = t.title, metadata_json = t.meta,
                content = t.content
            FROM (
                SELECT u.id, u.idx, ($8::jsonb[])[u.doc] || u.meta::jsonb AS meta, u.category, u.title, u.content
                FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
                    AS u(id, idx, meta, category, title, content, doc)
            ) AS t
            WHERE d.chunk_id = t.id::\(idType)
              AND (d.chunk_index, d.category, d.document_title, d.metadata_json, d.content)
                  IS DISTINCT FROM (t.idx, t.category, t.title, t.meta, t.content)
            """,
            [
                PostgresArray(kept.map(\.id)), PostgresArray(kept.map(\.chunk.index)),
                PostgresArray(kept.map(\.chunk.metadataJSON)), PostgresArray(documents.map(\.category)),
                PostgresArray(documents.map(\.title)), PostgresArray(kept.map(\.chunk.content)),
                shared.places, shared.objects,
            ])]
    }

    /// The ``DocumentUpdate/metadataJSON`` of the documents that rows belong to, once each, and each row's (1-based)
    /// place in that array: a statement carries a document's frontmatter once, not once per chunk.
    /// - Parameter documents: each row's position in `updates`.
    private static func sharedMetadata(
        of documents: [Int], in updates: [DocumentUpdate]
    ) -> (places: PostgresArray, objects: PostgresArray) {
        var placeByDocument: [Int: Int] = [:]
        var objects: [String] = []
        let places = documents.map { document in
            if let place = placeByDocument[document] { return place }
            objects.append(updates[document].metadataJSON)
            placeByDocument[document] = objects.count
            return objects.count
        }
        return (PostgresArray(places), PostgresArray(objects))
    }

    /// The deletes of chunks and their embeddings (explicitly: an origin table may lack ON DELETE CASCADE).
    private func deleteChunks(_ ids: [String]) -> [PostgresStatement] {
        guard !ids.isEmpty else { return [] }
        let array = PostgresArray(ids)
        return ["chunk_embeddings", "ragsync_chunk_search", "ragsync_chunks", "document_chunks"].map { table in
            PostgresStatement("DELETE FROM \(table) WHERE chunk_id = ANY($1::\(idType)[])", [array])
        }
    }
}

/// A chunk's place: its document and position, which identify it before it has an id.
private struct ChunkKey: Hashable {
    let sourceFile: String
    let index: Int
}

/// Which chunks of a batch of documents are kept (same hash as a stored chunk of the same document), new, or gone.
private struct WritePlan {
    var kept: [(id: String, document: Int, chunk: ChunkRow)] = []
    var fresh: [(document: Int, chunk: ChunkRow)] = []
    /// Kept chunks that have no embedding for the model yet.
    var needsEmbedding: [(id: String, chunk: ChunkRow)] = []
    var unmatched: [String] = []

    /// Matches one document's chunks with its stored ones by hash; a hash may appear more than once (a repeated
    /// paragraph), so candidates are consumed in order.
    mutating func add(
        _ update: DocumentUpdate, at document: Int, existing: [(id: String, hash: String?, embedded: Bool)]
    ) -> DocumentWriteResult {
        var reusable: [String: [(id: String, embedded: Bool)]] = [:]
        var unmatchedIds = Set(existing.map(\.id))
        for row in existing {
            if let hash = row.hash { reusable[hash, default: []].append((row.id, row.embedded)) }
        }
        var keptCount = 0
        var freshCount = 0
        for chunk in update.chunks {
            if var candidates = reusable[chunk.contentHash], !candidates.isEmpty {
                let match = candidates.removeFirst()
                reusable[chunk.contentHash] = candidates
                unmatchedIds.remove(match.id)
                kept.append((match.id, document, chunk))
                if !match.embedded { needsEmbedding.append((match.id, chunk)) }
                keptCount += 1
            } else {
                fresh.append((document, chunk))
                freshCount += 1
            }
        }
        unmatched += unmatchedIds
        return DocumentWriteResult(kept: keptCount, inserted: freshCount, deleted: unmatchedIds.count)
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements (none for an empty array).
    func slices(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(size, 1)).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
