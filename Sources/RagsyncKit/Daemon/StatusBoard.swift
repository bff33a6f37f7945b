// ragsync — StatusBoard: the daemon's shared status, written by the indexing loop and read by the status loop.

import Synchronization

/// A lock around ``DaemonStatus``; every access is a short, non-suspending critical section.
final class StatusBoard: Sendable {
    private let status = Mutex((current: DaemonStatus(), lastSent: ""))

    @discardableResult
    func update<Result: Sendable>(_ body: (inout DaemonStatus) -> Result) -> Result {
        status.withLock { body(&$0.current) }
    }

    /// Applies `body`, then returns the STATUS text if it differs from the one last returned (and is to be sent).
    ///
    /// Both the status loop and the indexing loop (at the end of a pass, so STATUS says so at once rather than at
    /// the next tick) send through here, so neither repeats the other.
    func textToSend(at now: ContinuousClock.Instant, _ body: (inout DaemonStatus) -> Void) -> String? {
        status.withLock { state in
            body(&state.current)
            let text = state.current.text(at: now)
            guard text != state.lastSent else { return nil }
            state.lastSent = text
            return text
        }
    }
}
