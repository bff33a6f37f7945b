// ragsync — StatusBoard: the daemon's shared status, written by the indexing loop and read by the status loop.

import Synchronization

/// A lock around ``DaemonStatus``; every access is a short, non-suspending critical section.
final class StatusBoard: Sendable {
    private let status = Mutex(DaemonStatus())

    @discardableResult
    func update<Result: Sendable>(_ body: (inout DaemonStatus) -> Result) -> Result {
        status.withLock { body(&$0) }
    }
}
