// ragsync — VectorIndexPolicy: which approximate index the embeddings need, decided from the data.

/// Decides the vector index from the number of stored embeddings, without I/O.
///
/// An IVFFlat index built on an empty or small table has centroids that describe nothing, and top-k queries
/// through it return fewer rows than asked, or none. So: below ``minimumRows`` there is no approximate index (an
/// exact scan of a few thousand vectors takes milliseconds and is exact); above it, IVFFlat is built once the data is
/// there with `lists` = √rows, and rebuilt when
/// the row count has moved by ``driftFactor`` from the count it was built for. HNSW needs no rebuild for growth.
public struct VectorIndexPolicy: Sendable, Equatable {
    /// The index kinds `RAGSYNC_VECTOR_INDEX` accepts.
    public enum Method: String, Sendable, CaseIterable {
        case ivfflat, hnsw, none
    }

    /// What to do with the index.
    public enum Decision: Sendable, Equatable {
        case keep
        case drop(reason: String)
        /// Build (or rebuild) with this method; `lists` for IVFFlat.
        case build(method: Method, lists: Int?, reason: String)
    }

    public var method: Method
    /// Below this many embeddings, exact search is used and no approximate index is kept.
    public var minimumRows: Int
    /// Rebuild an IVFFlat index when rows grew or shrank by this factor since it was built.
    public var driftFactor: Double

    public init(method: Method = .ivfflat, minimumRows: Int = 10_000, driftFactor: Double = 2) {
        self.method = method
        self.minimumRows = minimumRows
        self.driftFactor = driftFactor
    }

    /// `lists` for this many rows: √rows. pgvector suggests rows / 1000 up to a million rows and √rows beyond; measured
    /// at 25,909 1536-d vectors, 25 lists of ~1,000 vectors cost 18 ms a query at the probes recall needed and 160
    /// lists of ~160 vectors 3.4 ms (each probe reads fewer vectors), for 0.5 s more build time.
    public static func lists(forRows rows: Int) -> Int {
        max(1, Int(Double(max(rows, 0)).squareRoot()))
    }

    /// Decides.
    /// - Parameters:
    ///   - rows: embeddings in `chunk_embeddings`.
    ///   - current: the index as it is, nil when there is none.
    public func decide(rows: Int, current: VectorIndexState?) -> Decision {
        if method == .none || rows < minimumRows {
            guard current != nil else { return .keep }
            let reason =
                method == .none
                ? "RAGSYNC_VECTOR_INDEX=none"
                : "\(rows) embeddings are below \(minimumRows): exact search is exact and fast"
            return .drop(reason: reason)
        }
        if let current, current.method == VectorIndexState.exactMethod {
            // Exact search was measured to be as good; try an index again once the data has moved enough.
            guard let builtRows = current.builtForRows, builtRows > 0 else { return build(rows: rows, reason: "no measurement") }
            let ratio = Double(rows) / Double(builtRows)
            guard ratio >= driftFactor || ratio <= 1 / driftFactor else { return .keep }
            return build(rows: rows, reason: "\(rows) embeddings, exact search was chosen at \(builtRows)")
        }
        guard let current, current.isValid else {
            return build(rows: rows, reason: current == nil ? "no index for \(rows) embeddings" : "the index is invalid")
        }
        guard current.method == method.rawValue else {
            return build(rows: rows, reason: "the index is \(current.method), RAGSYNC_VECTOR_INDEX is \(method.rawValue)")
        }
        guard method == .ivfflat else { return .keep }
        guard let builtRows = current.builtForRows, builtRows > 0 else {
            return build(rows: rows, reason: "the index was not built by ragsync for the current data")
        }
        let ratio = Double(rows) / Double(builtRows)
        if ratio >= driftFactor || ratio <= 1 / driftFactor {
            return build(rows: rows, reason: "\(rows) embeddings, the index was built for \(builtRows)")
        }
        return .keep
    }

    private func build(rows: Int, reason: String) -> Decision {
        .build(method: method, lists: method == .ivfflat ? Self.lists(forRows: rows) : nil, reason: reason)
    }
}
