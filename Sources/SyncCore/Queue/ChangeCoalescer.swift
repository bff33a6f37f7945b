// ragsync — ChangeCoalescer: turns a stream of file events into batches, without I/O and with time as input.

/// Collects changed paths and decides when each is ready to be indexed.
///
/// A finished write (`IN_CLOSE_WRITE`) or a file moved into place (an editor's atomic save) is ready at once, so
/// a lone save costs no added latency. A file still being written (`IN_MODIFY`, `IN_CREATE`) waits until it has
/// been quiet for the settle time, but never longer than the maximum wait. A file moved away waits a little longer,
/// because editors that save by moving the old file aside write the new one a moment later. An unlink waits only a
/// few milliseconds, so the unlinks of an `rm -r` mostly arrive together. Paths that change again while
/// a pass runs are merged, so a burst (a `git checkout`, an `rsync`) becomes one pass per document. Beyond the
/// capacity the map is dropped for one full reconcile, which bounds memory whatever the event rate.
///
/// Time is an input: `Instant` comes from whatever clock the owner was given, a real one or a test's.
public struct ChangeCoalescer<Instant: InstantProtocol & Sendable>: Sendable where Instant.Duration == Duration {
    public typealias Timing = ChangeTiming
    public typealias Urgency = ChangeUrgency

    private enum Key: Hashable {
        case file(String)
        case folder(String)
    }

    private struct Entry {
        var due: Instant
        var firstSeen: Instant
    }

    public let timing: Timing
    private var pending: [Key: Entry] = [:]
    private var fullReconcileDue: Instant?

    public init(timing: Timing = Timing()) {
        self.timing = timing
    }

    /// Paths and folders waiting, plus one for a pending full reconcile.
    public var pendingCount: Int { pending.count + (fullReconcileDue == nil ? 0 : 1) }

    /// When the next path becomes ready; nil when nothing waits.
    public var nextDeadline: Instant? {
        // A closure, not `\.due`: a key path in generic code is built at run time on every call.
        let earliest = pending.values.lazy.map { $0.due }.min()
        switch (earliest, fullReconcileDue) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b): return b
        }
    }

    /// Applies one change reported by the watcher or the daemon.
    public mutating func apply(_ change: WatchChange, at now: Instant) {
        switch change {
        case .file(let path, let urgency): fileChanged(path, urgency: urgency, at: now)
        case .folder(let path): folderChanged(path, at: now)
        case .fullReconcile: fullReconcileRequested(at: now)
        case .returned(let batch): batchReturned(batch, at: now)
        }
    }

    /// A document's file changed.
    public mutating func fileChanged(_ path: String, urgency: Urgency, at now: Instant) {
        let key = Key.file(path)
        var entry = pending[key] ?? Entry(due: now, firstSeen: now)
        let latest = entry.firstSeen.advanced(by: timing.maximumWait)
        switch urgency {
        case .immediate:
            entry.due = now
        case .settling:
            entry.due = min(max(entry.due, now.advanced(by: timing.settle)), latest)
        case .removal:
            entry.due = min(max(entry.due, now.advanced(by: timing.removalSettle)), latest)
        case .deletion:
            entry.due = min(max(entry.due, now.advanced(by: timing.deletionSettle)), latest)
        }
        insert(entry, for: key, at: now)
    }

    /// A folder appeared, vanished or was renamed: it is walked again at once.
    public mutating func folderChanged(_ path: String, at now: Instant) {
        insert(Entry(due: now, firstSeen: pending[.folder(path)]?.firstSeen ?? now), for: .folder(path), at: now)
    }

    /// Events may have been lost (queue overflow, an unknown watch), or a full check was asked for.
    public mutating func fullReconcileRequested(at now: Instant) {
        fullReconcileDue = min(fullReconcileDue ?? now, now)
    }

    /// Puts a batch that could not be processed back, ready at once; newer events for the same paths are kept.
    public mutating func batchReturned(_ batch: ChangeBatch, at now: Instant) {
        for file in batch.files { fileChanged(file, urgency: .immediate, at: now) }
        for folder in batch.folders { folderChanged(folder, at: now) }
        if batch.isFullReconcile { fullReconcileRequested(at: now) }
    }

    /// Removes and returns everything that is ready.
    /// - Returns: nil when nothing is ready yet.
    public mutating func takeReady(at now: Instant) -> ChangeBatch? {
        var batch = ChangeBatch()
        if let due = fullReconcileDue, due <= now {
            batch.isFullReconcile = true
            fullReconcileDue = nil
        }
        for (key, entry) in pending where entry.due <= now {
            pending[key] = nil
            let age = entry.firstSeen.duration(to: now)
            batch.oldestChangeAge = max(batch.oldestChangeAge ?? age, age)
            switch key {
            case .file(let path): batch.files.insert(path)
            case .folder(let path): batch.folders.insert(path)
            }
        }
        // Removing entries keeps a dictionary's capacity: after a burst of 1,000 paths an idle daemon held 115 KB.
        if pending.isEmpty { pending = [:] }
        return batch.isEmpty ? nil : batch
    }

    private mutating func insert(_ entry: Entry, for key: Key, at now: Instant) {
        pending[key] = entry
        if pending.count > timing.capacity {
            // Too many distinct paths to track one by one: one full reconcile covers them all.
            pending.removeAll(keepingCapacity: false)
            fullReconcileRequested(at: now)
        }
    }
}
