// ragsync — DaemonStatus: what the daemon is doing, rendered as the one-line STATUS systemd shows.

/// The daemon's state as `systemctl status` shows it.
///
/// A value type with no I/O: the indexing loop and the watcher update it, the status loop renders and sends it.
public struct DaemonStatus: Sendable, Equatable {
    public typealias Instant = ContinuousClock.Instant

    public enum Phase: Sendable, Equatable {
        case starting
        /// Waiting for the database before the first pass.
        case connecting(problem: String, retryAt: Instant)
        /// Indexing a batch; `done`/`total` documents when known.
        case indexing(done: Int, total: Int, isFullReconcile: Bool)
        case idle
        /// A pass failed for a reason that passes (database or embedding service down); it is retried.
        case retrying(problem: String, retryAt: Instant, pending: Int)
        case reloading
        case stopping
    }

    public var phase: Phase = .starting
    public var documents = 0
    public var chunks = 0
    public var lastDocument: (path: String, at: Instant)?
    public var queued = 0
    public var watcher = ContentWatcher.Report(mode: .waitingForDirectory, eventsLost: 0)
    public var failedDocuments = 0
    /// Set while the last full or scoped pass refused its deletions (``DeletionGuard``): a short reason for STATUS.
    public var refusedDeletions: Int?
    /// Documents written again since start because their rows had been edited or deleted by hand.
    public var repairedDocuments = 0

    public init() {}

    public static func == (lhs: DaemonStatus, rhs: DaemonStatus) -> Bool {
        lhs.phase == rhs.phase && lhs.documents == rhs.documents && lhs.chunks == rhs.chunks
            && lhs.lastDocument?.path == rhs.lastDocument?.path && lhs.lastDocument?.at == rhs.lastDocument?.at
            && lhs.queued == rhs.queued && lhs.watcher == rhs.watcher && lhs.failedDocuments == rhs.failedDocuments
            && lhs.repairedDocuments == rhs.repairedDocuments && lhs.refusedDeletions == rhs.refusedDeletions
    }

    /// The STATUS line, e.g. `Watching 42 documents, 318 chunks; last: experience.md 3s ago; queue 0`.
    public func text(at now: Instant) -> String {
        var parts: [String] = []
        switch phase {
        case .starting:
            parts.append("Starting")
        case .connecting(let problem, let retryAt):
            parts.append("Database unreachable (\(problem)), retrying in \(Self.seconds(until: retryAt, from: now))")
        case .indexing(let done, let total, let isFull):
            let what = isFull ? "Reconciling" : "Indexing"
            parts.append(total > 0 ? "\(what) \(done)/\(total) documents" : "\(what)")
        case .idle:
            parts.append("\(verb) \(documents) documents, \(chunks) chunks")
        case .retrying(let problem, let retryAt, let pending):
            parts.append("\(problem), retrying in \(Self.seconds(until: retryAt, from: now)); \(pending) pending")
        case .reloading:
            parts.append("Reloading: full reconcile")
        case .stopping:
            parts.append("Stopping")
        }
        if case .idle = phase, let last = lastDocument {
            parts.append("last: \(last.path) \(Self.age(of: last.at, at: now)) ago")
        }
        parts.append("queue \(queued)")
        if failedDocuments > 0 { parts.append("\(failedDocuments) failed (see journal)") }
        if repairedDocuments > 0 { parts.append("\(repairedDocuments) repaired since start") }
        if let refusedDeletions {
            parts.append("refused to delete \(refusedDeletions) documents (see journal; RAGSYNC_MAX_DELETE)")
        }
        switch watcher.mode {
        case .watching: break
        case .polling(let reason): parts.append("polling (\(reason))")
        case .waitingForDirectory: parts.append("content directory missing, waiting for it")
        }
        if watcher.eventsLost > 0 { parts.append("events lost \(watcher.eventsLost)x") }
        return parts.joined(separator: "; ")
    }

    private var verb: String {
        if case .polling = watcher.mode { return "Polling" }
        return "Watching"
    }

    private static func seconds(until deadline: Instant, from now: Instant) -> String {
        let remaining = max(0, Int((deadline - now).components.seconds))
        return "\(remaining)s"
    }

    private static func age(of instant: Instant, at now: Instant) -> String {
        let seconds = max(0, Int((now - instant).components.seconds))
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7200 { return "\(seconds / 60)m" }
        return "\(seconds / 3600)h"
    }
}
