// ragsync — SimulatedKernel: inotify's queue and watches, as the kernel keeps them, for the simulation.

import SyncCore

/// The inotify instance of the simulation.
///
/// Watches follow inodes, not paths: a watched folder moved out of the tree keeps reporting until its watch is
/// removed. The queue coalesces an event identical to the last one queued, and when it is full it ends with one
/// overflow event and drops the rest, as `fs/notify/inotify` does. Reads take any number of queued events, so a
/// move's two halves may arrive in different reads.
struct SimulatedKernel {
    private(set) var queue: [WatchEvent] = []
    private var watchOfInode: [Int: Int32] = [:]
    private var inodeOfWatch: [Int32: Int] = [:]
    private var nextWatch: Int32 = 1
    private var nextCookie: UInt32 = 1
    /// `max_queued_events`.
    let capacity: Int
    private(set) var overflows = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// `inotify_add_watch`: the same inode gets its existing watch back.
    mutating func addWatch(inode: Int) -> Int32 {
        if let watch = watchOfInode[inode] { return watch }
        let watch = nextWatch
        nextWatch += 1
        watchOfInode[inode] = watch
        inodeOfWatch[watch] = inode
        return watch
    }

    /// `inotify_rm_watch`: queues `IN_IGNORED`.
    mutating func removeWatch(_ watch: Int32) {
        guard let inode = inodeOfWatch.removeValue(forKey: watch) else { return }
        watchOfInode[inode] = nil
        emit(WatchEvent(watch: watch, kind: .ignored))
    }

    /// The watch on an inode, if any.
    func watch(of inode: Int) -> Int32? { watchOfInode[inode] }

    /// A new cookie for one rename.
    mutating func cookie() -> UInt32 {
        defer { nextCookie += 1 }
        return nextCookie
    }

    /// Reports an entry's change to the watch of the folder holding it, if that folder is watched.
    mutating func entryChanged(inFolder folder: Int, _ kind: WatchEvent.Kind, name: String, cookie: UInt32 = 0) {
        guard let watch = watchOfInode[folder] else { return }
        emit(WatchEvent(watch: watch, kind: kind, cookie: cookie, name: name))
    }

    /// A watched folder was moved: `IN_MOVE_SELF` on its own watch, which stays.
    mutating func folderMoved(_ inode: Int) {
        guard let watch = watchOfInode[inode] else { return }
        emit(WatchEvent(watch: watch, kind: .watchedMoved))
    }

    /// A watched folder was deleted: `IN_DELETE_SELF`, then `IN_IGNORED`, and the watch is gone.
    mutating func folderDeleted(_ inode: Int) {
        guard let watch = watchOfInode.removeValue(forKey: inode) else { return }
        inodeOfWatch[watch] = nil
        emit(WatchEvent(watch: watch, kind: .watchedDeleted))
        emit(WatchEvent(watch: watch, kind: .ignored))
    }

    /// `read(2)` of up to `count` events.
    mutating func read(upTo count: Int) -> [WatchEvent] {
        let taken = Array(queue.prefix(count))
        queue.removeFirst(taken.count)
        return taken
    }

    private mutating func emit(_ event: WatchEvent) {
        if queue.last == event { return }  // identical to the last queued event: merged
        if queue.count >= capacity {
            if queue.last?.kind.contains(.queueOverflowed) != true {
                overflows += 1
                queue.append(WatchEvent(watch: -1, kind: .queueOverflowed))
            }
            return
        }
        queue.append(event)
    }
}
