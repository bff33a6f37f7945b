// ragsync — VectorIndexState: a model's vector index as the catalog and ragsync's record describe it.

import Indexer
public import Postgres

/// The approximate index of one model's vectors, a partial expression index on `chunk_embeddings`
/// (`(embedding::vector(N)) WHERE embedding_model = '…'`), if it exists.
public struct VectorIndexState: Sendable, Equatable {
    /// The index name of `model`'s vectors: a fixed prefix and a hash of the name, which may hold any character.
    public static func indexName(for model: String) -> String {
        "idx_embedding_vector_cosine_" + ContentHash(of: model).hex.prefix(12)
    }

    /// The access method: `ivfflat` or `hnsw`; `exact` when ragsync measured that an approximate index would need half
    /// its lists or more and keeps none (``exactReason`` says why).
    public var method: String
    /// IVFFlat's `lists`, from the index options.
    public var lists: Int?
    /// False after a failed concurrent build.
    public var isValid: Bool
    /// The row count ragsync built it for; nil for an index ragsync did not record.
    public var builtForRows: Int?
    /// The `ivfflat.probes` ragsync measured to reach the recall target, for the query contract.
    public var probes: Int?
    /// recall@10 measured after the build.
    public var recall: Double?
    /// Why exact search was kept, for `method == "exact"`.
    public var exactReason: String?

    /// The method ragsync records when it measured that no approximate index pays.
    public static let exactMethod = "exact"

    public init(
        method: String, lists: Int?, isValid: Bool, builtForRows: Int?, probes: Int? = nil, recall: Double? = nil
    ) {
        self.method = method
        self.lists = lists
        self.isValid = isValid
        self.builtForRows = builtForRows
        self.probes = probes
        self.recall = recall
    }

    /// Reads the state of `model`'s index.
    /// - Returns: nil when there is no such index and no measurement that chose exact search.
    public static func read(model: String, from connection: PostgresConnection) throws -> VectorIndexState? {
        let name = indexName(for: model)
        let rows = try connection.query(
            """
            SELECT am.amname, array_to_string(c.reloptions, ','), i.indisvalid,
                   r.built_rows, r.probes, r.recall
            FROM pg_class c
            JOIN pg_index i ON i.indexrelid = c.oid
            JOIN pg_am am ON am.oid = c.relam
            LEFT JOIN ragsync_vector_index r ON r.index_name = c.relname
            WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace
            """, [name]
        ).rows
        guard let row = rows.first else {
            // No index: ragsync may have chosen exact search after measuring.
            let record = try connection.query(
                "SELECT built_rows, recall, note FROM ragsync_vector_index WHERE index_name = $1 AND method = $2",
                [name, exactMethod]
            ).rows.first
            guard let record else { return nil }
            var state = VectorIndexState(
                method: exactMethod, lists: nil, isValid: true, builtForRows: record[0].flatMap { Int($0) },
                recall: record[1].flatMap { Double($0) })
            state.exactReason = record[2]
            return state
        }
        let lists = (row[1] ?? "").split(separator: ",").first { $0.hasPrefix("lists=") }
            .flatMap { Int($0.dropFirst("lists=".count)) }
        return VectorIndexState(
            method: row[0] ?? "", lists: lists, isValid: row[2] == "t", builtForRows: row[3].flatMap { Int($0) },
            probes: row[4].flatMap { Int($0) }, recall: row[5].flatMap { Double($0) })
    }
}
