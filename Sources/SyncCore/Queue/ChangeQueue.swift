// ragsync — ChangeQueue: hands batches from the watcher to the indexing loop.

import Synchronization

/// The one place changes wait between the watcher, which records them from its own thread, and the indexing loop,
/// which takes ready batches one at a time.
///
/// Recording never blocks or suspends, so the inotify thread keeps draining the kernel's queue; memory is bounded
/// by the ``ChangeCoalescer``'s capacity. The indexing loop sleeps until a path is ready or a new change arrives.
/// Time comes from the clock it is given, so a test can drive it with a manual one.
public final class ChangeQueue<C: Clock>: Sendable where C.Duration == Duration, C.Instant: Sendable {
    private struct State {
        var coalescer: ChangeCoalescer<C.Instant>
        var waiter: CheckedContinuation<Void, Never>?
        var isRung = false
    }

    private let clock: C
    private let state: Mutex<State>

    public init(clock: C, timing: ChangeTiming = ChangeTiming()) {
        self.clock = clock
        state = Mutex(State(coalescer: ChangeCoalescer(timing: timing)))
    }

    /// Paths waiting, for STATUS.
    public var pendingCount: Int {
        state.withLock { $0.coalescer.pendingCount }
    }

    /// Records changes and wakes the indexing loop.
    public func record(_ changes: [WatchChange]) {
        guard !changes.isEmpty else { return }
        let now = clock.now
        state.withLock { state in
            for change in changes { state.coalescer.apply(change, at: now) }
        }
        ring()
    }

    /// Records one change.
    public func record(_ change: WatchChange) {
        record([change])
    }

    /// Waits for the next ready batch.
    /// - Returns: nil when the task is cancelled.
    public func next() async -> ChangeBatch? {
        while !Task.isCancelled {
            let now = clock.now
            let (batch, deadline) = state.withLock { state in
                (state.coalescer.takeReady(at: now), state.coalescer.nextDeadline)
            }
            if let batch { return batch }
            await withTaskGroup(of: Void.self) { group in
                if let deadline {
                    group.addTask {
                        try? await self.clock.sleep(until: deadline, tolerance: nil)
                        self.ring()
                    }
                }
                await waitForRing()
                group.cancelAll()
            }
        }
        return nil
    }

    /// Wakes `next()` (or makes its next wait return at once).
    private func ring() {
        let waiter = state.withLock { state in
            let waiter = state.waiter
            state.waiter = nil
            if waiter == nil { state.isRung = true }
            return waiter
        }
        waiter?.resume()
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let alreadyRung = state.withLock { state in
                    if state.isRung {
                        state.isRung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if alreadyRung { continuation.resume() }
            }
        } onCancel: {
            ring()
        }
    }
}

extension ChangeQueue where C == ContinuousClock {
    /// A queue on the real, monotonic clock.
    public convenience init(timing: ChangeTiming = ChangeTiming()) {
        self.init(clock: ContinuousClock(), timing: timing)
    }
}
