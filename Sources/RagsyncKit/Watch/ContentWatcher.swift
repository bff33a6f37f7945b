// ragsync — ContentWatcher: inotify watches over the whole content tree, turned into queued changes.

import Glibc
import Inotify
public import Logging
public import SyncCore
import ThreadExecutor

/// Watches every folder of the content directory and records what changed in a ``ChangeQueue``.
///
/// The meaning of events is ``WatchState``'s (pure, simulated in the tests); this actor does its I/O: it reads
/// inotify, adds and removes watches, and records the changes. A folder is watched before it is listed (watch, then
/// scan), so a file created while a `mkdir -p` is being followed is seen either as an event or by the folder's walk.
/// When the kernel's watch limit is reached the watcher drops every watch rather than keep a partial tree, and the
/// daemon falls back to periodic reconciles. When the content directory itself goes away, the watcher waits for it
/// to return; nothing is deleted meanwhile.
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
    private let queue: ChangeQueue<ContinuousClock>
    private let logger: Logger
    private let heartbeat: @Sendable (_ isWaiting: Bool) -> Void
    /// A cap on watched folders set by the operator; beyond it the watcher polls instead.
    private let folderLimit: Int?

    private let fileSystem = GlibcFileSystem()
    private var descriptor: InotifyDescriptor?
    private var reader: InotifyReader?
    private var state = WatchState()
    private var rootDevice: UInt64 = 0
    private(set) var mode: Mode = .waitingForDirectory

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
        root: String, queue: ChangeQueue<ContinuousClock>, folderLimit: Int? = nil, logger: Logger,
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
        Report(mode: mode, eventsLost: state.eventsLost)
    }

    /// Sets up the watches over the whole tree. Call before the first reconcile, so no edit is missed.
    /// - Returns: the resulting mode.
    @discardableResult
    public func start() -> Mode {
        tearDown()
        guard let info = try? fileSystem.status(of: root, followingLinks: true), info.kind == .directory else {
            mode = .waitingForDirectory
            return mode
        }
        rootDevice = info.device
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
        mode = .watching(folders: state.folderCount)
        logger.info(
            "watching \(state.folderCount) folder(s) under \(root)",
            metadata: ["action": "watch", "folders": "\(state.folderCount)"])
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
                    queue.record(.fullReconcile)
                }
            case .polling:
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    // MARK: - Events

    /// Interprets one read's events and performs what they ask, event by event: a watch added for one event
    /// changes what the next one means.
    private func handle(_ events: [InotifyEvent]) {
        for event in events {
            logger.trace("inotify event", metadata: ["name": "\(event.displayName)", "mask": "\(event.mask)", "cookie": "\(event.cookie)"])
        }
        let events = events.map(WatchEvent.init)
        var changes: [WatchChange] = []
        state.readReceived(events)
        for event in events {
            for action in state.handle(event) {
                guard perform(action, into: &changes) else {
                    queue.record(changes + [.fullReconcile])  // watching failed: the daemon polls from now on
                    return
                }
            }
        }
        if case .watching = mode { mode = .watching(folders: state.folderCount) }
        queue.record(changes)
    }

    /// Watches a tree; at a limit, falls back to polling.
    /// - Returns: false when it fell back.
    private func watchTreeOrPoll(_ folder: String) -> Bool {
        do {
            try watchTree(folder)
            return true
        } catch {
            fallBackToPolling(error)
            return false
        }
    }

    /// Performs one action of the state machine.
    /// - Returns: false when watching is no longer possible (a limit was reached).
    private func perform(_ action: WatchAction, into changes: inout [WatchChange]) -> Bool {
        switch action {
        case .record(let change):
            changes.append(change)
        case .watchTree(let folder):
            return watchTreeOrPoll(folder)
        case .rewatchTree:
            state.rewatchStarted()
            guard watchTreeOrPoll("") else { return false }
            for watch in state.rewatchFinished() { descriptor?.removeWatch(WatchDescriptor(rawValue: watch)) }
        case .removeWatch(let watch):
            descriptor?.removeWatch(WatchDescriptor(rawValue: watch))
        case .eventsLost(let reason):
            logger.warning(
                "\(reason); running a full reconcile",
                metadata: [
                    "action": "events-lost", "message_id": "\(MessageID.eventsLost)", "events_lost": "\(state.eventsLost)",
                ])
        case .directoryLost:
            directoryLost()
        case .unreadableName(let path):
            logger.warning("ignoring \(path): the file name is not valid UTF-8; rename it", metadata: ["action": "skip"])
        }
        return true
    }

    // MARK: - Watches

    /// Watches a folder and, after the watch is in place, every folder below it.
    /// - Throws: ``InotifyError`` when a limit is reached; vanished folders are skipped.
    private func watchTree(_ relative: String) throws(InotifyError) {
        guard let descriptor else { return }
        let path = relative.isEmpty ? root : root + "/" + relative
        if let folderLimit, state.folderCount >= folderLimit {
            throw InotifyError(operation: "inotify_add_watch", path: path, errno: ENOSPC)
        }
        let watch: WatchDescriptor
        do {
            watch = try descriptor.addWatch(path)
        } catch {
            if error.isLimitReached || relative.isEmpty { throw error }
            return  // removed or replaced by a file since it was seen; its parent's events say so
        }
        // One folder reached by two paths (a bind mount) is followed once; a folder that moved is followed under its
        // new path.
        let identity = try? fileSystem.status(of: path, followingLinks: false)
        let isAlsoAt = { [root, fileSystem] (known: String) -> Bool in
            guard let identity, let other = try? fileSystem.status(of: known.isEmpty ? root : root + "/" + known, followingLinks: false)
            else { return false }
            return other.kind == .directory && other.device == identity.device && other.inode == identity.inode
        }
        guard state.watchAdded(watch.rawValue, folder: relative, isStillAt: isAlsoAt) else { return }
        for child in subfolders(of: path) {
            try watchTree(relative.isEmpty ? child : relative + "/" + child)
        }
    }

    /// Names of the real folders (not links, not hidden, same device) directly inside `path`.
    private func subfolders(of path: String) -> [String] {
        guard let entries = try? fileSystem.entries(of: path) else { return [] }
        return entries.compactMap { entry in
            guard entry.kind == .directory || entry.kind == nil, let name = String(validating: entry.name, as: UTF8.self),
                !ContentNames.isIgnored(name),
                let info = try? fileSystem.status(of: path + "/" + name, followingLinks: false),
                info.kind == .directory, info.device == rootDevice
            else { return nil }
            return name
        }
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
        state.reset()
    }
}
