// ragsync — ContentWatcher: inotify watches over the whole content tree, turned into queued changes.

import Glibc
import Inotify
public import Logging
import ThreadExecutor

/// Watches every folder of the content directory and records what changed in a ``ChangeQueue``.
///
/// A folder is watched before it is listed (watch, then scan), so a file created while a `mkdir -p` is being
/// followed is seen either as an event or by the folder's walk. Moves are paired by cookie within a read; an
/// unpaired move is a removal (out of the tree) or a creation (into it). Lost events (queue overflow, an event for an
/// unknown watch) turn into one full reconcile. When the kernel's watch limit is reached the watcher drops every
/// watch rather than keep a partial tree, and the daemon falls back to periodic reconciles. When the content
/// directory itself goes away, the watcher waits for it to return; nothing is deleted meanwhile.
///
/// It runs on a thread of its own: adding watches and listing folders are blocking system calls.
public actor ContentWatcher {
    /// How the content directory is being followed.
    public enum Mode: Sendable, Equatable {
        /// inotify watches cover the tree.
        case watching(folders: Int)
        /// No watches; changes are found by the periodic reconcile. `reason` is a few words for STATUS.
        case polling(reason: String)
        /// The content directory is gone; it is checked every second.
        case waitingForDirectory
    }

    /// What the daemon shows about the watcher.
    public struct Report: Sendable, Equatable {
        public var mode: Mode
        /// Times events were lost (queue overflow, unknown watch) and a full reconcile was asked for.
        public var eventsLost: Int

        public init(mode: Mode, eventsLost: Int) {
            self.mode = mode
            self.eventsLost = eventsLost
        }
    }

    private let executor = DedicatedThreadExecutor(name: "ragsync-watch")
    private let root: String
    private let queue: ChangeQueue
    private let logger: Logger
    private let heartbeat: @Sendable (_ isWaiting: Bool) -> Void
    /// A cap on watched folders set by the operator; beyond it the watcher polls instead.
    private let folderLimit: Int?

    private var descriptor: InotifyDescriptor?
    private var reader: InotifyReader?
    private var folders: [WatchDescriptor: String] = [:]
    private var watches: [String: WatchDescriptor] = [:]
    /// Watches removed by us whose `IN_IGNORED` has not arrived; their late events are expected, not lost.
    private var removedWatches: Set<WatchDescriptor> = []
    private var rootDevice: UInt64 = 0
    private var reportedNames: Set<[UInt8]> = []
    private(set) var mode: Mode = .waitingForDirectory
    private var eventsLost = 0

    nonisolated public var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// - Parameters:
    ///   - root: the content directory (canonical path).
    ///   - queue: where changes go.
    ///   - folderLimit: watch at most this many folders, else poll; nil for the kernel's limit only.
    ///   - heartbeat: called on every turn of the loop, for the watchdog, with `true` before it blocks waiting for
    ///     events (which cannot stall, and may last long: an idle watcher wakes for nothing).
    public init(
        root: String, queue: ChangeQueue, folderLimit: Int? = nil, logger: Logger,
        heartbeat: @escaping @Sendable (_ isWaiting: Bool) -> Void = { _ in }
    ) {
        self.root = root
        self.queue = queue
        self.folderLimit = folderLimit
        self.logger = logger
        self.heartbeat = heartbeat
    }

    /// The current mode and counters.
    public func report() -> Report {
        Report(mode: mode, eventsLost: eventsLost)
    }

    /// Sets up the watches over the whole tree. Call before the first reconcile, so no edit is missed.
    /// - Returns: the resulting mode.
    @discardableResult
    public func start() -> Mode {
        tearDown()
        var info = stat()
        guard stat(root, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            mode = .waitingForDirectory
            return mode
        }
        rootDevice = UInt64(info.st_dev)
        if let fileSystem = NetworkFileSystem(path: root) {
            return fallBackToPolling(
                "\(root) is on \(fileSystem.name), where inotify does not see changes made on other machines",
                reason: "\(fileSystem.name) file system")
        }
        do {
            let descriptor = try InotifyDescriptor()
            self.descriptor = descriptor
            reader = try InotifyReader(descriptor: descriptor)
            try watchTree("")
        } catch {
            return fallBackToPolling(error)
        }
        mode = .watching(folders: watches.count)
        logger.info(
            "watching \(watches.count) folder(s) under \(root)",
            metadata: ["action": "watch", "folders": "\(watches.count)"])
        return mode
    }

    /// Reads and handles events until the task is cancelled.
    public func run() async throws {
        while !Task.isCancelled {
            heartbeat(false)
            switch mode {
            case .watching:
                guard let reader else { return }
                heartbeat(true)
                let events = try await withTaskCancellationHandler {
                    try await reader.nextBatch(timeout: .seconds(60))
                } onCancel: {
                    reader.wake()
                }
                if !events.isEmpty { handle(events) }
            case .waitingForDirectory:
                try await Task.sleep(for: .seconds(1))
                if case .watching = start() {
                    logger.notice("the content directory \(root) is back", metadata: ["action": "watch"])
                    queue.requestFullReconcile()
                }
            case .polling:
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    // MARK: - Events

    private func handle(_ events: [InotifyEvent]) {
        var notes: [(inout ChangeCoalescer, ContinuousClock.Instant) -> Void] = []
        let pairedCookies = Self.pairedCookies(in: events)
        var movedFolders: [UInt32: String] = [:]

        for event in events {
            if event.mask.contains(.queueOverflowed) {
                notes.append(lostEvents("the inotify event queue overflowed"))
                continue
            }
            guard let folder = folders[event.watch] else {
                if event.mask.contains(.ignored) {
                    removedWatches.remove(event.watch)
                } else if !removedWatches.contains(event.watch) {
                    notes.append(lostEvents("an event arrived for an unknown watch (\(event.watch))"))
                }
                continue
            }
            if event.mask.contains(.ignored) {
                forget(event.watch)
                if folder.isEmpty { directoryLost() }
                continue
            }
            if !event.mask.isDisjoint(with: [.watchedDeleted, .watchedMoved, .unmounted]) {
                if folder.isEmpty { directoryLost() }
                continue  // a subfolder's move or deletion is handled through its parent's event
            }
            guard let name = event.nameString else {
                reportUnreadableName(event.displayName, in: folder)
                continue
            }
            if ContentScanner.isIgnoredName(name) { continue }
            let path = folder.isEmpty ? name : folder + "/" + name
            logger.trace("inotify event", metadata: ["path": "\(path)", "mask": "\(event.mask)", "cookie": "\(event.cookie)"])
            let paired = pairedCookies.contains(event.cookie)

            if event.mask.contains(.isDirectory) {
                if event.mask.contains(.movedFrom) {
                    if paired {
                        movedFolders[event.cookie] = path
                        forgetTree(path, removingWatches: false)
                    } else {
                        forgetTree(path, removingWatches: true)  // moved out of the tree
                    }
                    notes.append { coalescer, now in coalescer.folderChanged(path, at: now) }
                } else if !event.mask.isDisjoint(with: [.created, .movedTo]) {
                    if let oldPath = movedFolders[event.cookie] {
                        logger.debug("folder renamed", metadata: ["from": "\(oldPath)", "folder": "\(path)"])
                    }
                    do {
                        try watchTree(path)
                    } catch {
                        fallBackToPolling(error)
                        notes.append { coalescer, now in coalescer.fullReconcileRequested(at: now) }
                        break
                    }
                    notes.append { coalescer, now in coalescer.folderChanged(path, at: now) }
                } else if event.mask.contains(.deleted) {
                    notes.append { coalescer, now in coalescer.folderChanged(path, at: now) }
                }
                continue
            }

            guard ContentScanner.isDocumentName(name) else { continue }
            let urgency: ChangeCoalescer.Urgency
            if !event.mask.isDisjoint(with: [.closedAfterWriting, .movedTo]) {
                urgency = .immediate
            } else if event.mask.contains(.movedFrom) {
                // Moved out of the tree or aside (an editor's backup): the new version may follow at once.
                urgency = paired ? .immediate : .removal
            } else if event.mask.contains(.deleted) {
                urgency = .deletion
            } else {
                urgency = .settling  // created or modified: the writer may not be done
            }
            notes.append { coalescer, now in coalescer.fileChanged(path, urgency: urgency, at: now) }
        }
        if !notes.isEmpty {
            queue.record { coalescer, now in
                for note in notes { note(&coalescer, now) }
            }
        }
    }

    /// Cookies that appear on both a `MOVED_FROM` and a `MOVED_TO` in this read, where the `MOVED_TO` lands on a
    /// name ragsync follows: renames inside the tree.
    ///
    /// A document moved to a name ragsync ignores (vim's `notes.md~`) is not a rename but an editor moving the old
    /// version aside before writing the new one; it stays unpaired, a removal that waits for that write.
    private static func pairedCookies(in events: [InotifyEvent]) -> Set<UInt32> {
        var from = Set<UInt32>()
        var paired = Set<UInt32>()
        for event in events where event.cookie != 0 {
            if event.mask.contains(.movedFrom) { from.insert(event.cookie) }
            if event.mask.contains(.movedTo), from.contains(event.cookie), let name = event.nameString,
                !ContentScanner.isIgnoredName(name),
                event.mask.contains(.isDirectory) || ContentScanner.isDocumentName(name)
            {
                paired.insert(event.cookie)
            }
        }
        return paired
    }

    private func lostEvents(_ reason: String) -> (inout ChangeCoalescer, ContinuousClock.Instant) -> Void {
        eventsLost += 1
        logger.warning(
            "\(reason); running a full reconcile",
            metadata: ["action": "events-lost", "message_id": "\(MessageID.eventsLost)", "events_lost": "\(eventsLost)"])
        return { coalescer, now in coalescer.fullReconcileRequested(at: now) }
    }

    private func reportUnreadableName(_ name: String, in folder: String) {
        let key = Array((folder + "/" + name).utf8)
        guard reportedNames.count < 1000, reportedNames.insert(key).inserted else { return }
        logger.warning(
            "ignoring \(folder.isEmpty ? name : folder + "/" + name): the file name is not valid UTF-8; rename it",
            metadata: ["action": "skip"])
    }

    // MARK: - Watches

    /// Watches a folder and, after the watch is in place, every folder below it.
    /// - Throws: ``InotifyError`` when a limit is reached; vanished folders are skipped.
    private func watchTree(_ relative: String) throws(InotifyError) {
        guard let descriptor else { return }
        let path = relative.isEmpty ? root : root + "/" + relative
        if let folderLimit, watches.count >= folderLimit {
            throw InotifyError(operation: "inotify_add_watch", path: path, errno: ENOSPC)
        }
        let watch: WatchDescriptor
        do {
            watch = try descriptor.addWatch(path)
        } catch {
            if error.isLimitReached || relative.isEmpty { throw error }
            return  // removed or replaced by a file since it was seen; its parent's events say so
        }
        if let known = folders[watch], known != relative, watches[known] == watch {
            // One folder reached by two paths (a bind mount): follow it once.
            return
        }
        folders[watch] = relative
        watches[relative] = watch
        if case .watching = mode { mode = .watching(folders: watches.count) }
        for child in subfolders(of: path) {
            try watchTree(relative.isEmpty ? child : relative + "/" + child)
        }
    }

    /// Names of the real folders (not links, not hidden, same device) directly inside `path`.
    private func subfolders(of path: String) -> [String] {
        guard let handle = opendir(path) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            guard entry.pointee.d_type == DT_DIR || entry.pointee.d_type == DT_UNKNOWN else { continue }
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard let name = String(validating: bytes, as: UTF8.self), name != ".", name != "..",
                !ContentScanner.isIgnoredName(name)
            else { continue }
            var info = stat()
            guard lstat(path + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
                UInt64(info.st_dev) == rootDevice
            else { continue }
            names.append(name)
        }
        return names
    }

    /// Drops the mapping of a folder and everything below it; `removingWatches` when it left the tree.
    private func forgetTree(_ relative: String, removingWatches: Bool) {
        for (path, watch) in watches where path == relative || path.hasPrefix(relative + "/") {
            watches[path] = nil
            folders[watch] = nil
            if removingWatches, let descriptor {
                descriptor.removeWatch(watch)
                removedWatches.insert(watch)
            }
        }
        if case .watching = mode { mode = .watching(folders: watches.count) }
    }

    /// The kernel removed a watch (`IN_IGNORED`): its number may be reused, so forget it without `rm_watch`.
    private func forget(_ watch: WatchDescriptor) {
        if let path = folders.removeValue(forKey: watch), watches[path] == watch { watches[path] = nil }
        if case .watching = mode { mode = .watching(folders: watches.count) }
    }

    private func directoryLost() {
        guard mode != .waitingForDirectory else { return }
        tearDown()
        mode = .waitingForDirectory
        logger.error(
            "the content directory \(root) is gone; waiting for it to return (no document is removed meanwhile)",
            metadata: ["action": "directory-lost", "message_id": "\(MessageID.directoryLost)"])
    }

    @discardableResult
    private func fallBackToPolling(_ error: InotifyError) -> Mode {
        fallBackToPolling(
            error.description, reason: error.isLimitReached ? "inotify limit reached" : "inotify unavailable")
    }

    @discardableResult
    private func fallBackToPolling(_ detail: String, reason: String) -> Mode {
        tearDown()
        mode = .polling(reason: reason)
        logger.error(
            "cannot watch the content directory: \(detail); falling back to periodic reconciles",
            metadata: ["action": "polling", "message_id": "\(MessageID.pollingFallback)"])
        return mode
    }

    /// Closes the inotify instance, which removes every watch.
    private func tearDown() {
        reader?.wake()
        reader = nil
        descriptor = nil
        folders = [:]
        watches = [:]
        removedWatches = []
    }
}
