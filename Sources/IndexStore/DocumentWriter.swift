// ragsync — DocumentWriter: the statements of one document's transaction, in bulk.

import Foundation
import Postgres

/// The SQL of one document's write, run inside a transaction that ``DocumentStore`` opens.
///
/// Rows are written with one statement per table and document (`unnest` over array parameters), not one per chunk.
/// Every value is a parameter; the only text spliced into SQL is the id type read from the catalog.
struct DocumentWriter {
    let schema: SchemaInfo
    let model: String

    private var idType: String { schema.chunkIdType.sqlName }

    func replace(_ update: DocumentUpdate, on connection: PostgresConnection) throws -> DocumentWriteResult {
        try lock(update.sourceFile, on: connection)
        let existing = try connection.query(
            """
            SELECT d.chunk_id::text, r.content_hash,
                   EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = d.chunk_id AND e.embedding_model = $2)
            FROM document_chunks d LEFT JOIN ragsync_chunks r ON r.chunk_id = d.chunk_id
            WHERE d.source_file = $1
            """, [update.sourceFile, model])

        // Old chunks by hash; a hash may appear more than once (a repeated paragraph).
        var reusable: [String: [(id: String, embedded: Bool)]] = [:]
        var unmatched = Set<String>()
        for row in existing.rows {
            let id = row[0]!
            unmatched.insert(id)
            if let hash = row[1] { reusable[hash, default: []].append((id, row[2] == "t")) }
        }

        var kept: [(id: String, chunk: ChunkRow)] = []
        var fresh: [ChunkRow] = []
        var needsEmbedding: [(id: String, chunk: ChunkRow)] = []
        for chunk in update.chunks {
            if var candidates = reusable[chunk.contentHash], !candidates.isEmpty {
                let match = candidates.removeFirst()
                reusable[chunk.contentHash] = candidates
                unmatched.remove(match.id)
                kept.append((match.id, chunk))
                if !match.embedded { needsEmbedding.append((match.id, chunk)) }
            } else {
                fresh.append(chunk)
            }
        }

        let insertedIds = try insertChunks(fresh, of: update, on: connection)
        needsEmbedding += zip(insertedIds, fresh).map { ($0, $1) }
        try writeEmbeddings(needsEmbedding, on: connection)
        try updateKept(kept, of: update, on: connection)
        try deleteChunks(Array(unmatched), on: connection)
        try connection.query(
            """
            INSERT INTO ragsync_documents (source_file, content_hash, byte_count, chunk_count, indexed_at, updated_at)
            VALUES ($1, $2, $3, $4, now(), now())
            ON CONFLICT (source_file) DO UPDATE
            SET content_hash = EXCLUDED.content_hash, byte_count = EXCLUDED.byte_count,
                chunk_count = EXCLUDED.chunk_count, failed_hash = NULL, last_error = NULL, failed_at = NULL,
                indexed_at = now(), updated_at = now()
            """, [update.sourceFile, update.contentHash, update.byteCount, update.chunks.count])
        return DocumentWriteResult(kept: kept.count, inserted: fresh.count, deleted: unmatched.count)
    }

    func rename(from oldPath: String, to newPath: String, on connection: PostgresConnection) throws {
        // Locks in a fixed order, so two renames in opposite directions cannot deadlock.
        for path in [oldPath, newPath].sorted() { try lock(path, on: connection) }
        _ = try delete(newPath, on: connection)
        try connection.query("UPDATE document_chunks SET source_file = $2 WHERE source_file = $1", [oldPath, newPath])
        try connection.query("UPDATE ragsync_chunks SET source_file = $2 WHERE source_file = $1", [oldPath, newPath])
        try connection.query(
            "UPDATE ragsync_documents SET source_file = $2, updated_at = now() WHERE source_file = $1",
            [oldPath, newPath])
    }

    func delete(_ sourceFile: String, on connection: PostgresConnection) throws -> Int {
        try lock(sourceFile, on: connection)
        let ids = try connection.query(
            "SELECT chunk_id::text FROM document_chunks WHERE source_file = $1", [sourceFile]
        ).rows.map { $0[0]! }
        try deleteChunks(ids, on: connection)
        try connection.query("DELETE FROM ragsync_documents WHERE source_file = $1", [sourceFile])
        return ids.count
    }

    /// Serializes writers of one path across processes and hosts until the transaction ends.
    private func lock(_ sourceFile: String, on connection: PostgresConnection) throws {
        try connection.query("SELECT pg_advisory_xact_lock(hashtextextended('ragsync.document:' || $1, 0))", [sourceFile])
    }

    /// Inserts chunks and their bookkeeping rows; returns their ids in the order of `chunks`.
    private func insertChunks(
        _ chunks: [ChunkRow], of update: DocumentUpdate, on connection: PostgresConnection
    ) throws -> [String] {
        guard !chunks.isEmpty else { return [] }
        let ids: [String]
        let columns: (contents: PostgresArray, indexes: PostgresArray, metadata: PostgresArray) = (
            PostgresArray(chunks.map(\.content)), PostgresArray(chunks.map(\.index)),
            PostgresArray(chunks.map(\.metadataJSON))
        )
        if schema.chunkIdType == .uuid {
            // Generated here, because an origin table may have no default for its UUID column.
            ids = chunks.map { _ in UUID().uuidString.lowercased() }
            try connection.query(
                """
                INSERT INTO document_chunks
                    (chunk_id, content, source_file, category, document_title, chunk_index, metadata_json)
                SELECT t.id, t.content, $2, $3, $4, t.idx, t.meta::jsonb
                FROM unnest($1::uuid[], $5::text[], $6::int[], $7::text[]) AS t(id, content, idx, meta)
                """,
                [
                    PostgresArray(ids), update.sourceFile, update.category, update.title, columns.contents,
                    columns.indexes, columns.metadata,
                ])
        } else {
            let rows = try connection.query(
                """
                INSERT INTO document_chunks (content, source_file, category, document_title, chunk_index, metadata_json)
                SELECT t.content, $1, $2, $3, t.idx, t.meta::jsonb
                FROM unnest($4::text[], $5::int[], $6::text[]) AS t(content, idx, meta)
                RETURNING chunk_id::text, chunk_index
                """,
                [update.sourceFile, update.category, update.title, columns.contents, columns.indexes, columns.metadata])
            var idByIndex: [Int: String] = [:]
            for row in rows.rows { idByIndex[Int(row[1]!)!] = row[0]! }
            ids = chunks.map { idByIndex[$0.index]! }
        }
        try connection.query(
            """
            INSERT INTO ragsync_chunks (chunk_id, source_file, content_hash)
            SELECT t.id::\(idType), $2, t.hash FROM unnest($1::text[], $3::text[]) AS t(id, hash)
            """, [PostgresArray(ids), update.sourceFile, PostgresArray(chunks.map(\.contentHash))])
        return ids
    }

    /// Writes the embeddings of chunks that have none for the model: the vectors given, or copies of a stored
    /// embedding with the same chunk hash.
    private func writeEmbeddings(_ chunks: [(id: String, chunk: ChunkRow)], on connection: PostgresConnection) throws {
        let given = chunks.filter { $0.chunk.vector != nil }
        if !given.isEmpty {
            try connection.query(
                """
                INSERT INTO chunk_embeddings (chunk_id, embedding, embedding_model)
                SELECT t.id::\(idType), t.v::vector, $3 FROM unnest($1::text[], $2::text[]) AS t(id, v)
                """,
                [
                    PostgresArray(given.map(\.id)),
                    PostgresArray(given.map { PostgresVector($0.chunk.vector!).postgresText }), model,
                ])
        }
        let copied = chunks.filter { $0.chunk.vector == nil }
        guard !copied.isEmpty else { return }
        let result = try connection.query(
            """
            INSERT INTO chunk_embeddings (chunk_id, embedding, embedding_model)
            SELECT t.id::\(idType), source.embedding, $3
            FROM unnest($1::text[], $2::text[]) AS t(id, hash)
            CROSS JOIN LATERAL (
                SELECT e.embedding FROM ragsync_chunks r JOIN chunk_embeddings e ON e.chunk_id = r.chunk_id
                WHERE r.content_hash = t.hash AND e.embedding_model = $3 LIMIT 1
            ) AS source
            RETURNING chunk_id::text
            """, [PostgresArray(copied.map(\.id)), PostgresArray(copied.map(\.chunk.contentHash)), model])
        if result.count != copied.count {
            let written = Set(result.rows.map { $0[0]! })
            throw DocumentStoreError.embeddingVanished(
                hashes: copied.filter { !written.contains($0.id) }.map(\.chunk.contentHash))
        }
    }

    /// Updates position and metadata of kept chunks, only where something changed.
    private func updateKept(
        _ kept: [(id: String, chunk: ChunkRow)], of update: DocumentUpdate, on connection: PostgresConnection
    ) throws {
        guard !kept.isEmpty else { return }
        try connection.query(
            """
            UPDATE document_chunks AS d
            SET chunk_index = t.idx, category = $4, document_title = $5, metadata_json = t.meta::jsonb
            FROM unnest($1::text[], $2::int[], $3::text[]) AS t(id, idx, meta)
            WHERE d.chunk_id = t.id::\(idType)
              AND (d.chunk_index, d.category, d.document_title, d.metadata_json)
                  IS DISTINCT FROM (t.idx, $4::text, $5::text, t.meta::jsonb)
            """,
            [
                PostgresArray(kept.map(\.id)), PostgresArray(kept.map(\.chunk.index)),
                PostgresArray(kept.map(\.chunk.metadataJSON)), update.category, update.title,
            ])
    }

    /// Deletes chunks and their embeddings (explicitly: an origin table may lack ON DELETE CASCADE).
    private func deleteChunks(_ ids: [String], on connection: PostgresConnection) throws {
        guard !ids.isEmpty else { return }
        let array = PostgresArray(ids)
        try connection.query("DELETE FROM chunk_embeddings WHERE chunk_id = ANY($1::\(idType)[])", [array])
        try connection.query("DELETE FROM ragsync_chunks WHERE chunk_id = ANY($1::\(idType)[])", [array])
        try connection.query("DELETE FROM document_chunks WHERE chunk_id = ANY($1::\(idType)[])", [array])
    }
}
