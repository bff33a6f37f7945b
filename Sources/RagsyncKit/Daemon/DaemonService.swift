// ragsync — DaemonService: one of the daemon's long-running tasks, as a swift-service-lifecycle Service.

import ServiceLifecycle

/// A daemon task in the `ServiceGroup`: all its work runs under `run()`.
///
/// A graceful shutdown (SIGTERM) cancels the work, which each task turns into a clean stop: the watcher closes its
/// descriptor, the indexing loop stops between documents. A task that watches for the shutdown itself (the control
/// loop) is left to end on its own.
struct DaemonService: Service, CustomStringConvertible {
    let description: String
    private let stopsOnGracefulShutdown: Bool
    private let work: @Sendable () async throws -> Void

    /// - Parameters:
    ///   - name: how the group's log names it.
    ///   - stopsOnGracefulShutdown: cancel the work when the group shuts down gracefully.
    init(_ name: String, stopsOnGracefulShutdown: Bool = true, work: @escaping @Sendable () async throws -> Void) {
        self.description = name
        self.stopsOnGracefulShutdown = stopsOnGracefulShutdown
        self.work = work
    }

    func run() async throws {
        do {
            if stopsOnGracefulShutdown {
                try await cancelWhenGracefulShutdown(work)
            } else {
                try await work()
            }
        } catch is CancellationError {
            return  // stopped while waiting (a backoff, a poll interval): a clean stop, not a failure
        }
    }
}
