// ragsync — DriftCheck: what a full pass found of rows changed behind ragsync's back.

/// The outcome of ``DocumentStore/checkDrift()``.
public struct DriftCheck: Sendable, Equatable {
    /// Documents to write again from their files, with the reason.
    public var drifted: [String: String]
    /// Embeddings that belonged to no chunk, deleted.
    public var orphanedEmbeddingsDeleted: Int
    /// False when no other writer touched the chunk tables since the last clean check, and nothing was read.
    public var scanned: Bool

    public init(drifted: [String: String], orphanedEmbeddingsDeleted: Int, scanned: Bool) {
        self.drifted = drifted
        self.orphanedEmbeddingsDeleted = orphanedEmbeddingsDeleted
        self.scanned = scanned
    }
}
