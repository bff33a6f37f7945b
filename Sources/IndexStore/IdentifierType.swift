// ragsync — IdentifierType: how an existing table's id column is typed.

/// The type of an id column (`chunk_id`, `embedding_id`, `query_id`).
///
/// The origin project's Alembic migration documented names, not types: its ids may be UUIDs or integers. ragsync
/// creates UUID ids on a new database and works with either on an existing one.
public enum IdentifierType: String, Sendable, Equatable {
    case uuid
    case integer
    case bigint

    /// Reads `information_schema.columns.data_type`.
    init?(dataType: String) {
        switch dataType {
        case "uuid": self = .uuid
        case "integer": self = .integer
        case "bigint": self = .bigint
        default: return nil
        }
    }

    /// The SQL type name, for casts such as `$1::uuid[]`. Never built from user input.
    public var sqlName: String { rawValue }
}

/// How `query_logs.retrieved_chunk_ids` stores its list: a PostgreSQL array or JSON.
public enum ChunkIdListType: Sendable, Equatable {
    case array(element: String)
    case jsonb
    case json
    case text
}
