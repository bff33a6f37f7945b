// ragsync — WatchState: inotify events in, actions out; the watcher's logic without its I/O.

/// Interprets the events of recursive inotify watches over the content directory.
///
/// It knows which folder each watch stands for and turns a read's events into actions: changes to record, folders to
/// watch, watches to remove. Moves are paired by cookie within a read; an unpaired move is a removal (out of the
/// tree) or a creation (into it). Lost events (queue overflow, an event for an unknown watch) become one full
/// reconcile. The owner performs the actions in order and reports each watch it adds with ``watchAdded(_:folder:)``.
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

    public init() {}

    /// Folders watched.
    public var folderCount: Int { watches.count }

    /// The folder a watch stands for.
    public func folder(of watch: Int32) -> String? { folders[watch] }

    /// Records a watch the owner added.
    /// - Returns: false when that watch already stands for another path (one folder reached twice, as through a bind
    ///   mount): it is followed once, and the owner does not descend into it again.
    public mutating func watchAdded(_ watch: Int32, folder: String) -> Bool {
        if let known = folders[watch], known != folder, watches[known] == watch { return false }
        folders[watch] = folder
        watches[folder] = watch
        removedWatches.remove(watch)
        return true
    }

    /// Forgets every watch (the owner closed its inotify instance).
    public mutating func reset() {
        folders = [:]
        watches = [:]
        removedWatches = []
    }

    /// Interprets one read's events.
    /// - Returns: the actions to perform, in order. After ``WatchAction/directoryLost`` the rest of the read is not
    ///   looked at: every watch is gone.
    public mutating func handle(_ events: [WatchEvent]) -> [WatchAction] {
        var actions: [WatchAction] = []
        let renames = Self.renames(in: events)

        for event in events {
            if event.kind.contains(.queueOverflowed) {
                actions += lostEvents("the inotify event queue overflowed")
                continue
            }
            guard let folder = folders[event.watch] else {
                if event.kind.contains(.ignored) {
                    removedWatches.remove(event.watch)
                } else if !removedWatches.contains(event.watch) {
                    actions += lostEvents("an event arrived for an unknown watch (\(event.watch))")
                }
                continue
            }
            if event.kind.contains(.ignored) {
                forget(event.watch)
                if folder.isEmpty { return actions + lostDirectory() }
                continue
            }
            if !event.kind.isDisjoint(with: [.watchedDeleted, .watchedMoved, .unmounted]) {
                if folder.isEmpty { return actions + lostDirectory() }
                continue  // a subfolder's move or deletion is handled through its parent's event
            }
            guard let name = event.nameString else {
                let key = Array((folder + "/").utf8) + event.name
                if reportedNames.count < 1000, reportedNames.insert(key).inserted {
                    let display = ContentNames.display(event.name)
                    actions.append(.unreadableName(folder.isEmpty ? display : folder + "/" + display))
                }
                continue
            }
            if ContentNames.isIgnored(name) { continue }
            let path = folder.isEmpty ? name : folder + "/" + name
            let rename = renames[event.cookie]

            if event.kind.contains(.isDirectory) {
                if event.kind.contains(.movedFrom) {
                    if let rename, let destination = folders[rename.watch] {
                        // Renamed inside the tree: its watches follow the folder, so later events of this read
                        // already name the new path.
                        renameTree(path, to: destination.isEmpty ? rename.name : destination + "/" + rename.name)
                    } else {
                        actions += forgetTree(path, removingWatches: rename == nil)  // moved out: the watches go
                    }
                    actions.append(.record(.folder(path)))
                } else if !event.kind.isDisjoint(with: [.created, .movedTo]) {
                    actions.append(.watchTree(path))
                    actions.append(.record(.folder(path)))
                } else if event.kind.contains(.deleted) {
                    actions.append(.record(.folder(path)))
                }
                continue
            }

            guard ContentNames.isDocument(name) else { continue }
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
            actions.append(.record(.file(path, urgency)))
        }
        return actions
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

    private mutating func lostEvents(_ reason: String) -> [WatchAction] {
        eventsLost += 1
        return [.eventsLost(reason: reason), .record(.fullReconcile)]
    }

    private mutating func lostDirectory() -> [WatchAction] {
        reset()
        return [.directoryLost]
    }

    /// Drops the mapping of a folder and everything below it; `removingWatches` when it left the tree.
    private mutating func forgetTree(_ relative: String, removingWatches: Bool) -> [WatchAction] {
        var actions: [WatchAction] = []
        for (path, watch) in watches where path == relative || path.hasPrefix(relative + "/") {
            watches[path] = nil
            folders[watch] = nil
            if removingWatches {
                removedWatches.insert(watch)
                actions.append(.removeWatch(watch))
            }
        }
        return actions.sorted { if case .removeWatch(let a) = $0, case .removeWatch(let b) = $1 { a < b } else { false } }
    }

    /// The kernel removed a watch (`ignored`): its number may be reused, so it is forgotten without a removal.
    private mutating func forget(_ watch: Int32) {
        if let path = folders.removeValue(forKey: watch), watches[path] == watch { watches[path] = nil }
    }
}
