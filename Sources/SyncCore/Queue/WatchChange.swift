// ragsync — WatchChange: what the change queue is fed with.

/// One change to wait for and then re-examine, as the watcher (or the daemon) reports it.
public enum WatchChange: Sendable, Equatable {
    /// A document's file changed; `urgency` says how soon to look at it.
    case file(String, ChangeUrgency)
    /// A folder appeared, vanished or was renamed: walk it again.
    case folder(String)
    /// Events may have been lost, or a full check is due (start, reload, the periodic check).
    case fullReconcile
    /// A batch that could not be processed, given back to be tried again.
    case returned(ChangeBatch)
}

/// How soon a file event should be acted on.
public enum ChangeUrgency: Sendable, Equatable, CaseIterable {
    /// The write finished or the file was moved into place.
    case immediate
    /// The file is being written.
    case settling
    /// The file was moved out of the tree or aside; a new version may follow.
    case removal
    /// The file was unlinked.
    case deletion
}
