// ragsync — SyncSummary: what one reconcile did, for the command's output and the logs.

public import Embedding
import FoundationEssentials

/// Counts of one reconcile of the content directory with the database.
public struct SyncSummary: Sendable {
    public var scanned = 0
    /// Files read and hashed; the others' recorded stamps vouched for their hash (``StatCache``).
    public var read = 0
    public var unchanged = 0
    public var indexed = 0
    public var renamed = 0
    /// Unchanged files cut again because the chunking changed (counted in `indexed` too once written).
    public var rechunked = 0
    /// Embedding inputs the re-cut was announced to cost, before any was sent.
    public var rechunkingInputs = 0
    /// Set when the pass would have deleted more documents than ``DeletionGuard`` allows, and deleted none.
    public var refusedDeletion: String?
    /// How many documents that refusal kept.
    public var refusedDeletionCount = 0
    /// Embeddings whose chunk row was gone (deleted by hand where no foreign key cascades), deleted by a full pass.
    public var orphanedEmbeddingsDeleted = 0
    /// Whether the pass read the chunk rows for changes made by other writers; full passes skip it while no other
    /// writer touched the chunk tables since the last clean check.
    public var scannedForDrift = false
    /// Whether one digest of every path and stamp showed nothing changed, so no record was read (``StampDigest``).
    public var matchedStampDigest = false
    /// Unchanged files written again because their rows were edited or deleted by hand.
    public var repaired = 0
    public var removed = 0
    /// Documents that could not be indexed, with the reason; their previous index is kept.
    public var failures: [(path: String, reason: String)] = []
    /// Paths the scan passed over (links leaving the tree, non-UTF-8 names) with the reason.
    public var skipped: [(path: String, reason: String)] = []
    /// Documents not indexed because the embedding service failed; to be tried again, not the files' fault.
    public var deferred: [String] = []
    /// The embedding failure behind `deferred`.
    public var outage: EmbeddingError?
    /// The last document written, moved or removed, for STATUS.
    public var lastChanged: String?
    /// Set when most documents of this pass's source have the same path and bytes in another source on this host:
    /// the folder probably moved (a new default source name) and its old source's rows are duplicates.
    public var likelyCopyOf: SourceCopy?
    public var chunksEmbedded = 0
    public var chunksReused = 0
    public var tokensSent = 0
    public var embeddingRequests = 0
    public var seconds = 0.0

    public init() {}

    public var failed: Int { failures.count }

    /// True when the pass wrote, moved or removed anything.
    public var changedAnything: Bool { indexed + renamed + removed > 0 }

    /// Documents written or removed, or chunks written, from which a pass counts as a bulk load: the planner's
    /// statistics are refreshed and the daemon checks the vector index at once.
    public static let bulkDocuments = 100
    public static let bulkChunks = 1000

    /// True when the pass wrote or removed at least ``bulkDocuments`` documents or wrote ``bulkChunks`` chunks.
    public var isBulk: Bool {
        indexed + removed >= Self.bulkDocuments || chunksEmbedded + chunksReused >= Self.bulkChunks
    }

    /// The summary as printed by `ragsync sync`.
    public var lines: [String] {
        var lines = [
            "documents: \(scanned) scanned, \(indexed) indexed, \(unchanged) unchanged, \(renamed) renamed, "
                + "\(removed) removed, \(failed) failed" + (rechunked > 0 ? " (\(rechunked) re-chunked)" : "")
                + (repaired > 0 ? " (\(repaired) repaired)" : "") + "; \(read) read",
            "chunks: \(chunksEmbedded) embedded, \(chunksReused) reused; \(tokensSent) tokens sent in "
                + "\(embeddingRequests) request(s)",
            "time: \(seconds.fixedPoint(2)) s",
        ]
        if let refusedDeletion { lines.append("not deleted: \(refusedDeletion)") }
        if let copy = likelyCopyOf { lines.append("note: \(copy.notice)") }
        for failure in failures { lines.append("failed: \(failure.path): \(failure.reason)") }
        for skip in skipped { lines.append("skipped: \(skip.path): \(skip.reason)") }
        return lines
    }
}

/// Another source on this host that holds most of a source's documents, byte for byte.
public struct SourceCopy: Sendable, Equatable {
    public var source: String
    public var shared: Int
    public var total: Int

    /// What to tell the operator.
    public var notice: String {
        "\(shared) of \(total) documents have the same path and bytes in the source \(source) on this host; if this "
            + "folder moved from there, remove the old one (`ragsync sources remove \(source)`), or keep the old name "
            + "with RAGSYNC_SOURCE=\(source)"
    }
}
