// ragsync — VectorIndexMaintainer: builds, rebuilds and drops the vector index as the data requires.

public import Logging
public import Postgres

/// Keeps each model's vector index right for its data, following a ``VectorIndexPolicy``.
///
/// A model's index is a partial expression index, `((embedding::vector(N)) …) WHERE embedding_model = '…'`: the
/// column holds vectors of any dimension (schema 12), and an approximate index needs one. A build never blocks
/// writers or readers for long: the new index is built with `CREATE INDEX CONCURRENTLY` under
/// a temporary name and swapped in with a drop and a rename in one short transaction. After an IVFFlat build the
/// maintainer measures recall@10 against exact search for growing `ivfflat.probes` (√lists, doubling) and records
/// the first value that reaches the target in `ragsync_vector_index`, where the query contract reads it; for HNSW it
/// does the same with `hnsw.ef_search`. One process maintains at a time (a session advisory lock, held only for
/// the maintenance); the others skip.
public struct VectorIndexMaintainer: Sendable {
    public var policy: VectorIndexPolicy
    public var recallTarget: Double
    public var measurement: RecallMeasurement

    /// What `maintain` did.
    public struct Outcome: Sendable, Equatable {
        public enum Action: String, Sendable {
            case kept, built, dropped, skipped
        }

        public var action: Action
        public var reason: String
        public var rows: Int
        public var state: VectorIndexState?
        public var seconds: Double
    }

    public init(
        policy: VectorIndexPolicy = VectorIndexPolicy(), recallTarget: Double = 0.95,
        measurement: RecallMeasurement = RecallMeasurement()
    ) {
        self.policy = policy
        self.recallTarget = recallTarget
        self.measurement = measurement
    }

    /// Checks `model`'s index and changes it when the policy says so.
    /// - Parameters:
    ///   - statisticsAreFresh: `chunk_embeddings` was just analyzed (after a bulk pass), so a new index needs no
    ///     `ANALYZE` of its own (130 ms at 12,787 embeddings): the planner reads the column's statistics, and nothing
    ///     filters on the index's expression.
    ///   - sampler: another connection, on which the exact neighbours that tune a new index are found while this one
    ///     builds it (they do not depend on the index: 0.44 s beside a 0.93 s build at 12,787 embeddings); nil finds
    ///     them after the build, on `client`.
    /// - Throws: `PostgresError` when a statement fails (a failed concurrent build leaves an invalid index under
    ///   the temporary name, which the next run drops).
    public func maintain(
        model: String, on client: PostgresClient, statisticsAreFresh: Bool = false, samplingOn sampler: PostgresClient? = nil,
        logger: Logger
    ) async throws -> Outcome {
        let started = ContinuousClock.now
        var outcome: Outcome
        switch try await client.withConnection({ try self.decide(model: model, on: $0) }) {
        case .done(let decided):
            outcome = decided
        case .build(let build):
            let built: Result<Outcome, any Error>
            do {
                built = .success(
                    try await buildAndTune(build, analyzing: !statisticsAreFresh, on: client, samplingOn: sampler))
            } catch {
                built = .failure(error)
            }
            _ = try? await client.withConnection { try Self.unlock(on: $0) }
            outcome = try built.get()
        }
        outcome.seconds = (ContinuousClock.now - started).seconds
        log(outcome, model: model, logger: logger)
        return outcome
    }

    /// What the check decided: an outcome, or a build to run with the maintenance lock held.
    private enum Decision: Sendable {
        case done(Outcome)
        case build(Build)
    }

    /// A build the policy asked for.
    private struct Build: Sendable {
        var target: BuildTarget
        var method: VectorIndexPolicy.Method
        var lists: Int?
        var rows: Int
        var reason: String
    }

    /// Decides from the data; a build keeps the maintenance lock, every other outcome releases it.
    private func decide(model: String, on connection: PostgresConnection) throws -> Decision {
        // Most checks keep the index as it is, which a read decides without the lock (two round trips fewer).
        let seen = try Self.observe(model, on: connection)
        if case .keep = policy.decide(rows: seen.rows, current: seen.state) {
            return .done(Outcome(action: .kept, reason: "", rows: seen.rows, state: seen.state, seconds: 0))
        }
        guard try connection.query("SELECT pg_try_advisory_lock(hashtext('ragsync.vector_index'))").scalar == "t" else {
            return .done(
                Outcome(action: .skipped, reason: "another process maintains the index", rows: 0, state: nil, seconds: 0))
        }
        let decision: Decision
        do {
            decision = try decideLocked(model: model, on: connection)
        } catch {
            _ = try? Self.unlock(on: connection)
            throw error
        }
        if case .done = decision { _ = try? Self.unlock(on: connection) }
        return decision
    }

    /// The decision again under the lock, as another process may have changed the index meanwhile.
    private func decideLocked(model: String, on connection: PostgresConnection) throws -> Decision {
        let (rows, current) = try Self.observe(model, on: connection)
        switch policy.decide(rows: rows, current: current) {
        case .keep:
            return .done(Outcome(action: .kept, reason: "", rows: rows, state: current, seconds: 0))
        case .drop(let reason):
            try Self.dropIndex(for: model, on: connection)
            return .done(Outcome(action: .dropped, reason: reason, rows: rows, state: nil, seconds: 0))
        case .build(let method, let lists, let reason):
            // As recorded, or as stored for a model never recorded (rows written by a store alone).
            let dimensions = try connection.query(
                """
                SELECT coalesce(
                    (SELECT dimensions FROM ragsync_models WHERE embedding_model = $1),
                    (SELECT vector_dims(embedding) FROM chunk_embeddings WHERE embedding_model = $1 LIMIT 1))
                """, [model]
            ).scalar.flatMap { Int($0) }
            guard let dimensions else {
                return .done(
                    Outcome(
                        action: .skipped, reason: "model \(model) has no recorded dimension", rows: rows,
                        state: current, seconds: 0))
            }
            return .build(
                Build(
                    target: BuildTarget(model: model, dimensions: dimensions), method: method, lists: lists, rows: rows,
                    reason: reason))
        }
    }

    /// Releases the maintenance lock ``decide(model:on:)`` took for a build.
    private static func unlock(on connection: PostgresConnection) throws {
        try connection.query("SELECT pg_advisory_unlock(hashtext('ragsync.vector_index'))")
    }

    /// Builds the index, then tunes its search setting against exact neighbours found meanwhile on `sampler`.
    private func buildAndTune(
        _ build: Build, analyzing: Bool, on client: PostgresClient, samplingOn sampler: PostgresClient?
    ) async throws -> Outcome {
        let (measurement, model) = (self.measurement, build.target.model)
        let sampling = sampler.map { sampler in
            Task { try await sampler.withConnection { try measurement.sample(model: model, on: $0) } }
        }
        do {
            try await client.withConnection { try self.create(build, analyzing: analyzing, on: $0) }
        } catch {
            _ = try? await sampling?.value  // its connection is the caller's: left idle, not mid-query
            throw error
        }
        let sample: RecallMeasurement.Sample?
        if let sampling {
            sample = try await sampling.value
        } else {
            sample = try await client.withConnection { try measurement.sample(model: model, on: $0) }
        }
        return try await client.withConnection { connection in
            // Dropped when the index saves nothing over exact search, with why.
            let exact = try self.tune(build, with: sample, on: connection)
            return Outcome(
                action: exact == nil ? .built : .dropped, reason: exact ?? build.reason, rows: build.rows,
                state: try VectorIndexState.read(model: model, from: connection), seconds: 0)
        }
    }

    /// How many embeddings `model` has, and its index as it stands.
    private static func observe(
        _ model: String, on connection: PostgresConnection
    ) throws -> (rows: Int, state: VectorIndexState?) {
        let rows = try connection.query(
            "SELECT count(*) FROM chunk_embeddings WHERE embedding_model = $1", [model]).scalarInt
        return (rows, try VectorIndexState.read(model: model, from: connection))
    }

    /// Drops `model`'s index and its record (after `ragsync prune`, or when the policy wants none).
    public static func dropIndex(for model: String, on connection: PostgresConnection) throws {
        // The name is a fixed prefix and hex digits.
        try connection.execute("DROP INDEX CONCURRENTLY IF EXISTS \(VectorIndexState.indexName(for: model))")
        try connection.query(
            "DELETE FROM ragsync_vector_index WHERE index_name = $1", [VectorIndexState.indexName(for: model)])
    }

    /// The vectors an index is built over: one model's, all of one dimension.
    private struct BuildTarget: Sendable {
        var model: String
        var dimensions: Int
        var name: String { VectorIndexState.indexName(for: model) }
        var temporaryName: String { name + "_new" }
    }

    /// Builds under the temporary name and swaps it in.
    private func create(_ build: Build, analyzing: Bool, on connection: PostgresConnection) throws {
        let (target, method, lists) = (build.target, build.method, build.lists)
        // Method, lists and dimensions are integers and an enum; the model's name goes in as a literal the server
        // quoted; index names are a fixed prefix and hex digits.
        guard let modelLiteral = try connection.query("SELECT quote_literal($1::text)", [target.model]).scalar else {
            throw PostgresError(.unexpectedResult, message: "quote_literal returned no row for model \(target.model)")
        }
        let column = "(embedding::vector(\(target.dimensions))) vector_cosine_ops"
        let using = method == .hnsw ? "hnsw (\(column))" : "ivfflat (\(column)) WITH (lists = \(lists ?? 1))"
        try connection.execute("DROP INDEX CONCURRENTLY IF EXISTS \(target.temporaryName)")
        if method == .ivfflat, let lists {
            try raiseBuildMemory(
                toKilobytes: Self.ivfflatBuildKilobytes(lists: lists, dimensions: target.dimensions), on: connection)
        }
        defer { _ = try? connection.execute("RESET maintenance_work_mem") }
        try connection.execute(
            """
            CREATE INDEX CONCURRENTLY \(target.temporaryName) ON chunk_embeddings USING \(using)
            WHERE embedding_model = \(modelLiteral)
            """)
        try connection.execute(
            """
            DROP INDEX IF EXISTS \(target.name);
            ALTER INDEX \(target.temporaryName) RENAME TO \(target.name)
            """)
        if analyzing { try connection.execute("ANALYZE chunk_embeddings") }
    }

    /// Measures the new index's search setting against `sample` and records it.
    /// - Returns: nil, or why exact search is kept instead: an IVFFlat index that reaches the recall target only by
    ///   probing half its lists or more saves almost nothing over an exact scan (a 41,476-chunk corpus whose vectors
    ///   do not cluster needed 28 of 41), so it is dropped and the measurement recorded.
    private func tune(
        _ build: Build, with sample: RecallMeasurement.Sample?, on connection: PostgresConnection
    ) throws -> String? {
        let (target, method, lists) = (build.target, build.method, build.lists)
        let (probes, efSearch, recall) = try searchSetting(method: method, lists: lists ?? 1, sample: sample, on: connection)
        var recorded = method.rawValue
        var note: String?
        if method == .ivfflat, let lists, let probes, Self.probesHalfOrMore(probes, of: lists) {
            note =
                "IVFFlat with \(lists) lists reached recall@10 \((recall ?? 0).fixedPoint(3)) only at \(probes) probes "
                + "(target \(recallTarget.fixedPoint(2)) needs half the lists or more); exact search is as fast"
            try connection.execute("DROP INDEX IF EXISTS \(target.name)")
            recorded = VectorIndexState.exactMethod
        }
        try connection.query(
            """
            INSERT INTO ragsync_vector_index
                (index_name, method, lists, built_rows, probes, ef_search, recall, built_at, note, embedding_model)
            VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9)
            ON CONFLICT (index_name) DO UPDATE SET
                method = EXCLUDED.method, lists = EXCLUDED.lists, built_rows = EXCLUDED.built_rows,
                probes = EXCLUDED.probes, ef_search = EXCLUDED.ef_search, recall = EXCLUDED.recall,
                built_at = EXCLUDED.built_at, note = EXCLUDED.note, embedding_model = EXCLUDED.embedding_model
            """,
            [target.name, recorded, lists, build.rows, probes, efSearch, recall, note, target.model])
        return note
    }

    /// The smallest probes (IVFFlat) or ef_search (HNSW) whose measured recall reaches the target; the sample and
    /// its exact neighbours were found once and are reused for every value tried.
    private func searchSetting(
        method: VectorIndexPolicy.Method, lists: Int, sample: RecallMeasurement.Sample?, on connection: PostgresConnection
    ) throws -> (probes: Int?, efSearch: Int?, recall: Double?) {
        func recall(probes: Int? = nil, efSearch: Int? = nil) throws -> Double {
            guard let sample else { return 1 }
            return try measurement.measure(sample, on: connection, probes: probes, efSearch: efSearch).recall
        }
        if method == .hnsw {
            var efSearch = 40
            while true {
                let measured = try recall(efSearch: efSearch)
                if measured >= recallTarget || efSearch >= 1000 { return (nil, efSearch, measured) }
                efSearch *= 2
            }
        }
        var probes = max(1, Int(Double(lists).squareRoot().rounded(.up)))
        while true {
            let measured = try recall(probes: probes)
            // Past half the lists an index saves little over exact search: the caller keeps exact search then, so
            // tuning stops there instead of probing on to every list.
            if measured >= recallTarget || Self.probesHalfOrMore(probes, of: lists) { return (probes, nil, measured) }
            probes = min(lists, probes * 2)
        }
    }

    /// What an IVFFlat build holds in `maintenance_work_mem`: pgvector's k-means sample (50 vectors per list, at
    /// least 10,000) and a few vectors' worth per list for the centres, with a tenth and 8 MB to spare. Measured with
    /// 1536-d vectors: 101 lists asked for 65 MB, 160 lists for 68 MB (this gives 80 and 82).
    static func ivfflatBuildKilobytes(lists: Int, dimensions: Int) -> Int {
        let vectors = Double(max(10_000, 50 * lists) + 6 * lists)
        return Int(vectors * Double(dimensions * 4 + 8) * 1.1 / 1024) + 8 * 1024
    }

    /// Raises `maintenance_work_mem` for this session to at least `kilobytes` (never lowers a larger setting); the
    /// build resets it. An IVFFlat build with more lists than the server's setting holds fails otherwise.
    private func raiseBuildMemory(toKilobytes kilobytes: Int, on connection: PostgresConnection) throws {
        try connection.query(
            """
            SELECT set_config('maintenance_work_mem',
                greatest((SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem'), $1::bigint)::text
                    || 'kB', false)
            """, [kilobytes])
    }

    /// True when an IVFFlat search probes half its lists or more: it then saves almost nothing over an exact scan.
    private static func probesHalfOrMore(_ probes: Int, of lists: Int) -> Bool {
        probes * 2 >= lists
    }

    private func log(_ outcome: Outcome, model: String, logger: Logger) {
        guard outcome.action != .kept else { return }
        var metadata: Logger.Metadata = [
            "action": "vector-index-\(outcome.action.rawValue)", "embeddings": "\(outcome.rows)",
            "duration_ms": "\(Int(outcome.seconds * 1000))", "embedding_model": "\(model)",
        ]
        var message = "vector index of \(model) \(outcome.action.rawValue): \(outcome.reason)"
        if let state = outcome.state, outcome.action == .built {
            message += "; \(state.method)"
            if let lists = state.lists { message += " lists=\(lists)" }
            if let probes = state.probes { message += " probes=\(probes)" }
            if let recall = state.recall { message += " recall@10=" + recall.fixedPoint(3) }
            metadata["recall"] = "\(state.recall ?? 1)"
        }
        logger.notice("\(message)", metadata: metadata)
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
