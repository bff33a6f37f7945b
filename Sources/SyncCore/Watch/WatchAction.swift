// ragsync — WatchAction: what the watch state machine asks its owner to do.

/// The output of ``WatchState``: the I/O the owner performs, in order.
public enum WatchAction: Sendable, Equatable {
    /// Add watches on this folder and every folder below it, reporting each with ``WatchState/watchAdded(_:folder:isStillAt:)``.
    case watchTree(String)
    /// Events were lost: watch the whole tree again between ``WatchState/rewatchStarted()`` and
    /// ``WatchState/rewatchFinished()``, and remove the watches that call returns.
    case rewatchTree
    /// Remove a watch (its folder left the tree); its late events are expected.
    case removeWatch(Int32)
    /// Record a change in the queue.
    case record(WatchChange)
    /// Events were lost; a full reconcile is recorded with it. `reason` is for the log.
    case eventsLost(reason: String)
    /// The content directory itself is gone: drop every watch and wait for it to return. Nothing is removed.
    case directoryLost
    /// A name that is not valid UTF-8 was skipped; it is reported once.
    case unreadableName(String)
}
