// ragsync — WatchState: inotify events in, actions out; the watcher's logic without its I/O.

/// Interprets the events of recursive inotify watches over the content directory.
///
/// It knows which folder each watch stands for and turns a read's events into actions: changes to record, folders to
/// watch, watches to remove. Moves are paired by cookie within a read; an unpaired move is a removal (out of the
/// tree) or a creation (into it). Lost events (queue overflow, an event for an unknown watch) become one full
/// reconcile. The owner passes each read to ``readReceived(_:)``, then each of its events to ``handle(_:)``, and
/// performs an event's actions before handing it the next: a watch added for one event changes what the next means.
/// It reports each watch it adds with ``watchAdded(_:folder:isStillAt:)``.
///
/// It is a value without I/O, so a simulation can drive it through any order of events.
public struct WatchState: Sendable {
    /// Folder (relative path, "" for the root) of each watch.
    private var folders: [Int32: String] = [:]
    /// Watch of each folder.
    private var watches: [String: Int32] = [:]
    /// Watches removed by us whose `ignored` has not arrived; their late events are expected, not lost.
    private var removedWatches: Set<Int32> = []
    /// Unreadable names already reported, so a noisy folder logs each once.
    private var reportedNames: Set<[UInt8]> = []
    /// Times events were lost and a full reconcile was asked for.
    public private(set) var eventsLost = 0
    /// Watches confirmed during a re-watch of the whole tree; nil when none runs.
    private var confirmed: Set<Int32>?
    /// Where each move of the current read lands, by cookie.
    private var renames: [UInt32: (watch: Int32, name: String)] = [:]
    /// Set once the content directory is lost: the rest of the read concerns watches that are gone.
    private var isIgnoringRestOfRead = false

    public init() {}

    /// Folders watched.
    public var folderCount: Int { watches.count }

    /// The folder a watch stands for.
    public func folder(of watch: Int32) -> String? { folders[watch] }

    /// Records a watch the owner added.
    ///
    /// The kernel gives a folder's existing watch back, so a watch may already stand for another path. Either the
    /// folder is reached by two paths at once (a bind mount), or it moved and the events saying so are still queued:
    /// the owner tells which by looking at the old path (`isStillAt`). A moved folder's watches are taken over under
    /// the new path, so the late move events find nothing to remove.
    /// - Returns: false when the folder is reached twice: it is followed once, and the owner does not descend into it
    ///   again.
    public mutating func watchAdded(_ watch: Int32, folder: String, isStillAt: (String) -> Bool) -> Bool {
        if let known = folders[watch], known != folder, watches[known] == watch {
            if isStillAt(known) { return false }
            renameTree(known, to: folder)
        }
        confirmed?.insert(watch)
        folders[watch] = folder
        watches[folder] = watch
        removedWatches.remove(watch)
        return true
    }

    /// The owner starts watching the whole tree again (``WatchAction/rewatchTree``); the watches it reports are the
    /// ones to keep.
    public mutating func rewatchStarted() {
        confirmed = []
    }

    /// The owner finished watching the whole tree again.
    /// - Returns: the watches no folder of the tree has any more (their folders were deleted or moved out while
    ///   events were lost), to remove.
    public mutating func rewatchFinished() -> [Int32] {
        guard let confirmed else { return [] }
        self.confirmed = nil
        let stale = folders.keys.filter { !confirmed.contains($0) }.sorted()
        for watch in stale {
            forget(watch)
            removedWatches.insert(watch)
        }
        return stale
    }

    /// Forgets every watch (the owner closed its inotify instance).
    public mutating func reset() {
        folders = [:]
        watches = [:]
        removedWatches = []
    }

    /// Starts a read: moves are paired by cookie across all of its events.
    public mutating func readReceived(_ events: [WatchEvent]) {
        renames = Self.renames(in: events)
        isIgnoringRestOfRead = false
    }

    /// Interprets one event of the current read.
    /// - Returns: the actions to perform, in order, before the next event is handed in.
    public mutating func handle(_ event: WatchEvent) -> [WatchAction] {
        guard !isIgnoringRestOfRead else { return [] }
        if event.kind.contains(.queueOverflowed) {
            return lostEvents("the inotify event queue overflowed")
        }
        guard let folder = folders[event.watch] else {
            if event.kind.contains(.ignored) {
                removedWatches.remove(event.watch)
            } else if !removedWatches.contains(event.watch) {
                return lostEvents("an event arrived for an unknown watch (\(event.watch))")
            }
            return []
        }
        if event.kind.contains(.ignored) {
            forget(event.watch)
            return folder.isEmpty ? lostDirectory() : []
        }
        if !event.kind.isDisjoint(with: [.watchedDeleted, .watchedMoved, .unmounted]) {
            // A subfolder's move or deletion is handled through its parent's event.
            return folder.isEmpty ? lostDirectory() : []
        }
        guard let name = event.nameString else {
            let key = Array((folder + "/").utf8) + event.name
            guard reportedNames.count < 1000, reportedNames.insert(key).inserted else { return [] }
            let display = ContentNames.display(event.name)
            return [.unreadableName(folder.isEmpty ? display : folder + "/" + display)]
        }
        if ContentNames.isIgnored(name) { return [] }
        let path = folder.isEmpty ? name : folder + "/" + name
        let rename = renames[event.cookie]

        if event.kind.contains(.isDirectory) {
            if event.kind.contains(.movedFrom) {
                var actions: [WatchAction] = []
                if let rename, let destination = folders[rename.watch] {
                    // Renamed inside the tree: its watches follow the folder, so later events of this read already
                    // name the new path.
                    renameTree(path, to: destination.isEmpty ? rename.name : destination + "/" + rename.name)
                } else {
                    actions = forgetTree(path, removingWatches: rename == nil)  // moved out: the watches go
                }
                return actions + [.record(.folder(path))]
            } else if !event.kind.isDisjoint(with: [.created, .movedTo]) {
                return [.watchTree(path), .record(.folder(path))]
            } else if event.kind.contains(.deleted) {
                return [.record(.folder(path))]
            }
            return []
        }

        guard ContentNames.isDocument(name) else { return [] }
        let urgency: ChangeUrgency
        if !event.kind.isDisjoint(with: [.closedAfterWriting, .movedTo]) {
            urgency = .immediate
        } else if event.kind.contains(.movedFrom) {
            // Moved out of the tree or aside (an editor's backup): the new version may follow at once.
            urgency = rename != nil ? .immediate : .removal
        } else if event.kind.contains(.deleted) {
            urgency = .deletion
        } else {
            urgency = .settling  // created or modified: the writer may not be done
        }
        return [.record(.file(path, urgency))]
    }

    /// Where each move inside the tree lands: cookies that appear on both a `movedFrom` and a `movedTo` in this read,
    /// where the `movedTo` lands on a name ragsync follows.
    ///
    /// A document moved to a name ragsync ignores (vim's `notes.md~`) is not a rename but an editor moving the old
    /// version aside before writing the new one; it stays unpaired, a removal that waits for that write.
    private static func renames(in events: [WatchEvent]) -> [UInt32: (watch: Int32, name: String)] {
        var from = Set<UInt32>()
        var renames: [UInt32: (watch: Int32, name: String)] = [:]
        for event in events where event.cookie != 0 {
            if event.kind.contains(.movedFrom) { from.insert(event.cookie) }
            if event.kind.contains(.movedTo), from.contains(event.cookie), let name = event.nameString,
                !ContentNames.isIgnored(name),
                event.kind.contains(.isDirectory) || ContentNames.isDocument(name)
            {
                renames[event.cookie] = (event.watch, name)
            }
        }
        return renames
    }

    /// Moves the mapping of a folder and everything below it to a new path; the kernel's watches follow the folder.
    private mutating func renameTree(_ relative: String, to destination: String) {
        let moved = watches.filter { $0.key == relative || $0.key.hasPrefix(relative + "/") }
        for (path, _) in moved { watches[path] = nil }
        for (path, watch) in moved {
            let newPath = destination + path.dropFirst(relative.count)
            watches[newPath] = watch
            folders[watch] = newPath
        }
    }

    /// Lost events may have hidden folders created, moved or deleted: the tree is watched again, and everything in it
    /// is compared.
    private mutating func lostEvents(_ reason: String) -> [WatchAction] {
        eventsLost += 1
        return [.eventsLost(reason: reason), .rewatchTree, .record(.fullReconcile)]
    }

    private mutating func lostDirectory() -> [WatchAction] {
        reset()
        isIgnoringRestOfRead = true
        return [.directoryLost]
    }

    /// Drops the mapping of a folder and everything below it; `removingWatches` when it left the tree.
    private mutating func forgetTree(_ relative: String, removingWatches: Bool) -> [WatchAction] {
        var removed: [Int32] = []
        for (path, watch) in watches where path == relative || path.hasPrefix(relative + "/") {
            watches[path] = nil
            folders[watch] = nil
            if removingWatches {
                removedWatches.insert(watch)
                removed.append(watch)
            }
        }
        return removed.sorted().map(WatchAction.removeWatch)
    }

    /// The kernel removed a watch (`ignored`): its number may be reused, so it is forgotten without a removal.
    private mutating func forget(_ watch: Int32) {
        if let path = folders.removeValue(forKey: watch), watches[path] == watch { watches[path] = nil }
    }
}
