// ragsync — Heartbeats: evidence that each long-lived task is making progress, for the watchdog.

import Synchronization

/// Each long-lived task beats while it works; the watchdog is pinged only while every task either waits for work
/// or has beaten within its limit. A task stuck in a call (a hung query, a blocked thread) stops beating, the pings
/// stop, and systemd restarts the daemon after `WatchdogSec`.
public final class Heartbeats: Sendable {
    private struct Beat {
        var last: ContinuousClock.Instant
        var isWaiting: Bool
        var limit: Duration
    }

    private let beats = Mutex<[String: Beat]>([:])

    public init() {}

    /// Registers a task.
    /// - Parameter limit: how long it may work without a beat before it counts as stuck.
    public func register(_ task: String, limit: Duration) {
        beats.withLock { $0[task] = Beat(last: .now, isWaiting: false, limit: limit) }
    }

    /// The task made progress; `waiting` when it now waits for work (which cannot stall).
    public func beat(_ task: String, waiting: Bool = false) {
        beats.withLock { beats in
            beats[task]?.last = .now
            beats[task]?.isWaiting = waiting
        }
    }

    /// The first task that is working and has not beaten within its limit.
    public func stalledTask(at now: ContinuousClock.Instant = .now) -> (task: String, silence: Duration)? {
        beats.withLock { beats in
            for (task, beat) in beats.sorted(by: { $0.key < $1.key }) where !beat.isWaiting {
                let silence = now - beat.last
                if silence > beat.limit { return (task, silence) }
            }
            return nil
        }
    }
}
