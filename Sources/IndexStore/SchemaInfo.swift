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
        let columns = try connection.query(
            """
            SELECT table_name, column_name, data_type, udt_name
            FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND table_name = ANY($1::text[])
            """,
            [PostgresArray(["document_chunks", "chunk_embeddings", "query_logs"])])
        var types: [String: (dataType: String, udt: String)] = [:]
        for row in columns.rows {
            let value = PostgresRow(columns: columns.columns, values: row)
            types["\(try value.string(0)).\(try value.string(1))"] = (try value.string(2), try value.string(3))
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
        let typmod = try connection.query(
            """
            SELECT a.atttypmod FROM pg_attribute a
            WHERE a.attrelid = to_regclass('chunk_embeddings') AND a.attname = 'embedding' AND NOT a.attisdropped
            """)
        let dimensions = typmod.scalar.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
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
