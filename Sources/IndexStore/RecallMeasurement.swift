// ragsync — RecallMeasurement: how many of the exact top-10 the approximate query finds.

public import Postgres

/// Measures recall@k of the query contract against exact search, using stored embeddings as queries.
public struct RecallMeasurement: Sendable {
    /// Queries to average over.
    public var samples: Int
    public var k: Int

    public init(samples: Int = 50, k: Int = 10) {
        self.samples = samples
        self.k = k
    }

    /// The result: mean recall, and the fewest rows any query returned (k when every query was complete).
    public struct Result: Sendable, Equatable {
        public var recall: Double
        public var queries: Int
        public var fewestRows: Int
    }

    /// Measures with the settings the contract reads (pass `probes`/`efSearch` to try other values).
    /// - Returns: nil when there are no embeddings.
    public func measure(
        on connection: PostgresConnection, probes: Int? = nil, efSearch: Int? = nil
    ) throws -> Result? {
        let queries = try connection.query(
            "SELECT embedding::text, embedding_model FROM chunk_embeddings ORDER BY random() LIMIT $1", [samples]
        ).rows
        guard !queries.isEmpty else { return nil }
        var found = 0
        var expected = 0
        var fewest = Int.max
        for query in queries {
            guard let vector = query[0].flatMap(PostgresVector.init(postgresText:)) else { continue }
            let model = query[1]!
            let exact = try VectorSearchSQL.run(
                on: connection, vector: vector, model: model, category: nil, limit: k, exact: true
            ).rows.map { $0[0]! }
            let approximate = try connection.transaction {
                try connection.query(VectorSearchSQL.settings)
                if let probes { try connection.query("SELECT set_config('ivfflat.probes', $1, true)", [String(probes)]) }
                if let efSearch {
                    try connection.query("SELECT set_config('hnsw.ef_search', $1, true)", [String(efSearch)])
                }
                return try connection.query(VectorSearchSQL.topK, [vector, model, nil as String?, k]).rows.map { $0[0]! }
            }
            found += Set(exact).intersection(approximate).count
            expected += exact.count
            fewest = min(fewest, approximate.count)
        }
        return Result(recall: expected == 0 ? 1 : Double(found) / Double(expected), queries: queries.count, fewestRows: fewest)
    }
}
