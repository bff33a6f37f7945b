// ragsync — ChangeQueue: hands batches from the watcher to the indexing loop.

import Synchronization

/// The one place changes wait between the watcher, which records them from its own thread, and the indexing loop,
/// which takes ready batches one at a time.
///
/// Recording never blocks or suspends, so the inotify thread keeps draining the kernel's queue; memory is bounded
/// by the ``ChangeCoalescer``'s capacity. The indexing loop sleeps until a path is ready or a new event arrives.
public final class ChangeQueue: Sendable {
    private struct State {
        var coalescer: ChangeCoalescer
        var waiter: CheckedContinuation<Void, Never>?
        var isRung = false
    }

    private let state: Mutex<State>

    public init(timing: ChangeCoalescer.Timing = ChangeCoalescer.Timing()) {
        state = Mutex(State(coalescer: ChangeCoalescer(timing: timing)))
    }

    /// Paths waiting, for STATUS.
    public var pendingCount: Int {
        state.withLock { $0.coalescer.pendingCount }
    }

    /// Applies events to the coalescer and wakes the indexing loop.
    public func record(_ events: (inout ChangeCoalescer, ContinuousClock.Instant) -> Void) {
        let now = ContinuousClock.now
        state.withLock { events(&$0.coalescer, now) }
        ring()
    }

    /// Asks for a full reconcile (start, reload, periodic check, lost events).
    public func requestFullReconcile() {
        record { coalescer, now in coalescer.fullReconcileRequested(at: now) }
    }

    /// Puts back a batch that could not be processed.
    public func giveBack(_ batch: ChangeBatch) {
        record { coalescer, now in coalescer.batchReturned(batch, at: now) }
    }

    /// Waits for the next ready batch.
    /// - Returns: nil when the task is cancelled.
    public func next() async -> ChangeBatch? {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let (batch, deadline) = state.withLock { state in
                (state.coalescer.takeReady(at: now), state.coalescer.nextDeadline)
            }
            if let batch { return batch }
            await withTaskGroup(of: Void.self) { group in
                if let deadline {
                    group.addTask {
                        try? await Task.sleep(until: deadline, clock: .continuous)
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
