// ragsync — ReloadState: a reload in progress, between the signal loop and the indexing loop.

import Synchronization

/// Carries SIGHUP's new settings to the indexing loop and remembers that READY=1 is owed after the reconcile.
final class ReloadState: Sendable {
    private struct State {
        var configuration: RagsyncConfiguration?
        var awaitingReady = false
    }

    private let state = Mutex(State())

    /// New settings were validated; the next batch uses them.
    func begin(with configuration: RagsyncConfiguration) {
        state.withLock {
            $0.configuration = configuration
            $0.awaitingReady = true
        }
    }

    /// The settings to switch to, once.
    func takeConfiguration() -> RagsyncConfiguration? {
        state.withLock { state in
            defer { state.configuration = nil }
            return state.configuration
        }
    }

    /// The new settings could not be put in force; the reload is over without them.
    func abandon() {
        state.withLock { $0.awaitingReady = false }
    }

    /// After a full reconcile: true when a reload was waiting for it (send READY=1).
    func finishReload() -> Bool {
        state.withLock { state in
            defer { state.awaitingReady = false }
            return state.awaitingReady
        }
    }
}
