// ragsync — SchemaInfo: what the database's tables look like, read from the catalog.

internal import Postgres

/// The column types of an existing (or freshly created) ragsync schema.
///
/// Writes consult it to generate ids of the right kind; nothing about it is assumed.
public struct SchemaInfo: Sendable, Equatable {
    public var chunkIdType: IdentifierType
    public var embeddingIdType: IdentifierType
    public var queryIdType: IdentifierType?
    public var retrievedChunkIdsType: ChunkIdListType?
    /// The dimension of `chunk_embeddings.embedding`, or nil for an unsized `vector` column.
    public var embeddingDimensions: Int?
    /// The OID `::vector` resolves to here (pgvector is an extension, so it differs between databases); vectors are
    /// sent in binary with it, or as text when it is unknown.
    public var vectorTypeOID: UInt32?

    /// Reads the catalog.
    /// - Throws: `StoreError.notMigrated` when the tables do not exist, `.unsupportedSchema` for odd id types.
    static func read(from connection: PostgresConnection) throws -> SchemaInfo {
        // The catalog itself, named as information_schema.columns names types ("integer", "ARRAY"), which took
        // 6 ms to plan against 0.5 ms for this, on every command and daemon start.
        let columns = try connection.query(
            """
            SELECT c.relname, a.attname,
                   CASE WHEN t.typcategory = 'A' THEN 'ARRAY' ELSE format_type(a.atttypid, NULL) END, t.typname, a.atttypmod
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1::text[])
              AND a.attnum > 0 AND NOT a.attisdropped
            """,
            [PostgresArray(["document_chunks", "chunk_embeddings", "query_logs"])])
        var types: [String: (dataType: String, udt: String, typmod: Int)] = [:]
        for row in columns.rows {
            let value = PostgresRow(columns: columns.columns, values: row)
            types["\(try value.string(0)).\(try value.string(1))"] = (
                try value.string(2), try value.string(3), Int(try value.string(4)) ?? -1
            )
        }
        func identifier(_ key: String) throws -> IdentifierType {
            guard let column = types[key] else {
                throw StoreError(.notMigrated, message: "the database has no column \(key); run `ragsync migrate` first")
            }
            guard let type = IdentifierType(dataType: column.dataType) else {
                throw StoreError(
                    .unsupportedSchema,
                    message: "column \(key) has type \(column.dataType); ragsync supports uuid, integer and bigint ids")
            }
            return type
        }
        let chunkId = try identifier("document_chunks.chunk_id")
        let embeddingId = try identifier("chunk_embeddings.embedding_id")
        let queryId = types["query_logs.query_id"] == nil ? nil : try identifier("query_logs.query_id")
        var retrieved: ChunkIdListType?
        if let column = types["query_logs.retrieved_chunk_ids"] {
            switch column.dataType {
            case "ARRAY": retrieved = .array(element: String(column.udt.dropFirst()))  // `_uuid` → `uuid`
            case "jsonb": retrieved = .jsonb
            case "json": retrieved = .json
            default: retrieved = .text
            }
        }
        let dimensions = types["chunk_embeddings.embedding"].flatMap { $0.typmod > 0 ? $0.typmod : nil }
        let vectorType = try connection.query("SELECT to_regtype('vector')::oid").scalar.flatMap { UInt32($0) }
        return SchemaInfo(
            chunkIdType: chunkId, embeddingIdType: embeddingId, queryIdType: queryId,
            retrievedChunkIdsType: retrieved, embeddingDimensions: dimensions, vectorTypeOID: vectorType)
    }
}

extension SchemaInfo {
    /// Vectors as one array parameter: in binary when the `vector` type's OID is known, else as text.
    func vectorParameter(_ vectors: [[Float]]) -> any PostgresEncodable {
        guard let vectorTypeOID else { return PostgresArray(vectors.map { PostgresVector($0).postgresText }) }
        return PostgresVectorArray(vectors, vectorTypeOID: vectorTypeOID)
    }
}
