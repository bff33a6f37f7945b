// ragsync — DeletionGuard: how many documents one pass may delete before it stops and asks.

/// Refuses a pass that would delete most of the index, as rsync's `--max-delete` does.
///
/// Running `sync` or `watch` once against the wrong folder (or an empty mount) would otherwise delete every document
/// the right folder indexed. By default a pass may not delete more than half of the stored documents once there are
/// at least ``minimumDocuments`` of them; `RAGSYNC_MAX_DELETE=N` sets a fixed limit, `RAGSYNC_MAX_DELETE=all` or
/// `--allow-mass-delete` lets any deletion through.
public struct DeletionGuard: Sendable, Equatable {
    /// What limits deletions.
    public enum Limit: Sendable, Equatable {
        /// At most half of the stored documents, once there are ``DeletionGuard/minimumDocuments``.
        case half
        /// At most this many documents per pass.
        case count(Int)
        /// No limit.
        case none
    }

    /// Below this many stored documents, the default limit lets any deletion through.
    public static let minimumDocuments = 20

    public var limit: Limit

    public init(limit: Limit = .half) {
        self.limit = limit
    }

    /// True when a pass must not delete `deleting` documents out of `stored`.
    public func refuses(deleting: Int, of stored: Int) -> Bool {
        switch limit {
        case .none: return false
        case .count(let maximum): return deleting > maximum
        case .half: return stored >= Self.minimumDocuments && deleting * 2 > stored
        }
    }

    /// What a refusal says: how many, the limit, a few of the paths, and how to let it through.
    public func refusal(deleting paths: [String], of stored: Int) -> String {
        let shown = paths.sorted().prefix(5).joined(separator: ", ")
        let more = paths.count > 5 ? " and \(paths.count - 5) more" : ""
        let limitText: String
        switch limit {
        case .half: limitText = "more than half of the \(stored) indexed documents"
        case .count(let maximum): limitText = "more than RAGSYNC_MAX_DELETE=\(maximum)"
        case .none: limitText = "no limit"
        }
        return "refusing to delete \(paths.count) documents, \(limitText) (\(shown)\(more)): is the content directory "
            + "the right one? If the deletions are intended, run `ragsync sync --allow-mass-delete` or set "
            + "RAGSYNC_MAX_DELETE=all"
    }
}
