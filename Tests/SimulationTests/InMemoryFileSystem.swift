// ragsync — InMemoryFileSystem: a modelled disk for the simulation, with links, inodes and unreadable files.

import Synchronization
import SyncCore

/// A small POSIX-like file system in memory.
///
/// Paths are absolute. Folders, regular files and symbolic links have inodes; a rename keeps the inode, so a
/// simulated kernel can follow a watched folder wherever it moves. Only what ``FileSystem`` needs is modelled.
final class InMemoryFileSystem: FileSystem {
    enum Node: Sendable {
        case file(bytes: [UInt8])
        case directory(children: [String: Int])
        case link(target: String)
    }

    private struct Disk: Sendable {
        var nodes: [Int: Node] = [1: .directory(children: [:])]
        var nextInode = 2
        /// Each file's modification and change times, in nanoseconds, kept at whole seconds.
        var times: [Int: (modified: Int64, changed: Int64)] = [:]
        /// The time writes are stamped with: the simulation's wall clock, cut to whole seconds as on a file system
        /// of 1 s resolution, where a rewrite within a second keeps a file's times (the stat cache's racy case).
        var clock: Int64 = 0
    }

    private let disk = Mutex(Disk())

    static let rootInode = 1

    /// Sets the clock later writes are stamped with (nanoseconds since the epoch).
    func setClock(_ nanoseconds: Int64) {
        disk.withLock { $0.clock = nanoseconds / 1_000_000_000 * 1_000_000_000 }
    }

    // MARK: - FileSystem

    func canonicalPath(_ path: String) -> String? {
        disk.withLock { disk in
            guard let (_, canonical) = try? Self.resolve(path, in: disk, followingFinalLink: true) else { return nil }
            return canonical
        }
    }

    func status(of path: String, followingLinks: Bool) throws(FileSystemError) -> FileStatus {
        try disk.withLock { (disk) throws(FileSystemError) -> FileStatus in
            let (inode, _) = try Self.resolve(path, in: disk, followingFinalLink: followingLinks)
            let kind: FileStatus.Kind
            switch disk.nodes[inode] {
            case .file: kind = .regular
            case .directory: kind = .directory
            case .link: kind = .symbolicLink
            case nil: throw Self.missing
            }
            var stamp: FileStamp?
            if case .file(let bytes) = disk.nodes[inode], let times = disk.times[inode] {
                stamp = FileStamp(
                    size: Int64(bytes.count), modified: times.modified, changed: times.changed, inode: UInt64(inode),
                    device: 1)
            }
            return FileStatus(kind: kind, device: 1, inode: UInt64(inode), stamp: stamp)
        }
    }

    func entries(of folder: String) throws(FileSystemError) -> [DirectoryEntry] {
        try disk.withLock { (disk) throws(FileSystemError) -> [DirectoryEntry] in
            let (inode, _) = try Self.resolve(folder, in: disk, followingFinalLink: true)
            guard case .directory(let children) = disk.nodes[inode] else {
                throw FileSystemError(isMissing: true, message: "Not a directory")
            }
            return children.sorted { $0.key < $1.key }.map { name, child in
                let kind: FileStatus.Kind
                switch disk.nodes[child] {
                case .file: kind = .regular
                case .directory: kind = .directory
                case .link, nil: kind = .symbolicLink
                }
                return DirectoryEntry(name: Array(name.utf8), kind: kind)
            }
        }
    }

    func contents(of path: String, maxBytes: Int) throws(ContentReadError) -> [UInt8] {
        try disk.withLock { (disk) throws(ContentReadError) -> [UInt8] in
            guard let (inode, _) = try? Self.resolve(path, in: disk, followingFinalLink: false) else {
                throw ContentReadError(.vanished)
            }
            switch disk.nodes[inode] {
            case .file(let bytes):
                guard bytes.count <= maxBytes else { throw ContentReadError(.tooLarge(size: bytes.count, limit: maxBytes)) }
                return bytes
            case .link: throw ContentReadError(.unreadable("the file was replaced by a symbolic link"))
            case .directory: throw ContentReadError(.unreadable("not a regular file"))
            case nil: throw ContentReadError(.vanished)
            }
        }
    }

    // MARK: - Changes, as a program would make them

    /// The inode at a path, not following a final link; nil when missing.
    func inode(at path: String) -> Int? {
        disk.withLock { try? Self.resolve(path, in: $0, followingFinalLink: false).inode }
    }

    /// The node of an inode.
    func node(_ inode: Int) -> Node? {
        disk.withLock { $0.nodes[inode] }
    }

    /// Creates a folder in an existing folder. - Returns: its inode, or nil when the name is taken.
    @discardableResult
    func makeDirectory(_ path: String) -> Int? {
        insert(.directory(children: [:]), at: path)
    }

    /// Creates a symbolic link. - Returns: its inode, or nil when the name is taken.
    @discardableResult
    func makeLink(_ path: String, to target: String) -> Int? {
        insert(.link(target: target), at: path)
    }

    /// Writes a file in place, creating it when missing. - Returns: the file's inode and whether it was created.
    func write(_ path: String, _ bytes: [UInt8]) -> (inode: Int, created: Bool)? {
        if let inode = inode(at: path) {
            return disk.withLock { disk in
                guard case .file = disk.nodes[inode] else { return nil }
                disk.nodes[inode] = .file(bytes: bytes)
                disk.times[inode] = (disk.clock, disk.clock)
                return (inode, false)
            }
        }
        return insert(.file(bytes: bytes), at: path).map { ($0, true) }
    }

    /// Renames an entry, replacing a file (or empty folder) at the destination, as `rename(2)`.
    /// - Returns: false when the source is missing, the destination's folder is missing, or a folder would move
    ///   into itself or onto a non-empty folder.
    func rename(_ from: String, to: String) -> Bool {
        disk.withLock { disk in
            guard from != to, !to.hasPrefix(from + "/"),
                let (fromParent, fromName) = try? Self.parent(of: from, in: disk),
                let (toParent, toName) = try? Self.parent(of: to, in: disk),
                case .directory(var sourceChildren) = disk.nodes[fromParent], let moving = sourceChildren[fromName]
            else { return false }
            if case .directory(let children) = disk.nodes[toParent], let existing = children[toName] {
                switch (disk.nodes[moving], disk.nodes[existing]) {
                case (.directory, .directory(let inside)) where inside.isEmpty: break
                case (.directory, _), (_, .directory): return false
                default: break
                }
                disk.nodes[existing] = nil
            }
            sourceChildren[fromName] = nil
            disk.nodes[fromParent] = .directory(children: sourceChildren)
            disk.times[moving]?.changed = disk.clock  // rename(2) updates the moved inode's ctime
            guard case .directory(var targetChildren) = disk.nodes[toParent] else { return false }
            targetChildren[toName] = moving
            disk.nodes[toParent] = .directory(children: targetChildren)
            return true
        }
    }

    /// Removes a file, a link or an empty folder. - Returns: the removed inode.
    @discardableResult
    func remove(_ path: String) -> Int? {
        disk.withLock { disk in
            guard let (parent, name) = try? Self.parent(of: path, in: disk),
                case .directory(var children) = disk.nodes[parent], let inode = children[name]
            else { return nil }
            if case .directory(let inside) = disk.nodes[inode], !inside.isEmpty { return nil }
            children[name] = nil
            disk.nodes[parent] = .directory(children: children)
            disk.nodes[inode] = nil
            disk.times[inode] = nil
            return inode
        }
    }

    /// The names in a folder, sorted; empty when it is not a folder.
    func children(of path: String) -> [(name: String, inode: Int)] {
        disk.withLock { disk in
            guard let (inode, _) = try? Self.resolve(path, in: disk, followingFinalLink: false),
                case .directory(let children) = disk.nodes[inode]
            else { return [] }
            return children.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    // MARK: - Paths

    private static let missing = FileSystemError(isMissing: true, message: "No such file or directory")

    private func insert(_ node: Node, at path: String) -> Int? {
        disk.withLock { disk in
            guard let (parent, name) = try? Self.parent(of: path, in: disk),
                case .directory(var children) = disk.nodes[parent], children[name] == nil
            else { return nil }
            let inode = disk.nextInode
            disk.nextInode += 1
            disk.nodes[inode] = node
            if case .file = node { disk.times[inode] = (disk.clock, disk.clock) }
            children[name] = inode
            disk.nodes[parent] = .directory(children: children)
            return inode
        }
    }

    /// The folder holding a path's last component (links on the way followed), and that component.
    private static func parent(of path: String, in disk: Disk) throws(FileSystemError) -> (Int, String) {
        var components = path.split(separator: "/").map(String.init)
        guard let name = components.popLast() else { throw missing }
        let (folder, _) = try resolve("/" + components.joined(separator: "/"), in: disk, followingFinalLink: true)
        guard case .directory = disk.nodes[folder] else { throw FileSystemError(isMissing: true, message: "Not a directory") }
        return (folder, name)
    }

    /// Follows a path from the root, resolving links (at most 40, as the kernel), and returns its inode and
    /// canonical path.
    private static func resolve(
        _ path: String, in disk: Disk, followingFinalLink: Bool
    ) throws(FileSystemError) -> (inode: Int, canonical: String) {
        var pending = path.split(separator: "/").map(String.init).reversed() as [String]
        var trail: [(name: String, inode: Int)] = []
        var links = 0
        while let name = pending.popLast() {
            if name == "." { continue }
            if name == ".." {
                _ = trail.popLast()
                continue
            }
            let folder = trail.last?.inode ?? rootInode
            guard case .directory(let children) = disk.nodes[folder] else {
                throw FileSystemError(isMissing: true, message: "Not a directory")
            }
            guard let inode = children[name] else { throw missing }
            if case .link(let target) = disk.nodes[inode], followingFinalLink || !pending.isEmpty {
                links += 1
                guard links <= 40 else { throw FileSystemError(isMissing: false, message: "Too many levels of symbolic links") }
                if target.hasPrefix("/") { trail = [] }
                pending += target.split(separator: "/").map(String.init).reversed()
                continue
            }
            trail.append((name, inode))
        }
        return (trail.last?.inode ?? rootInode, "/" + trail.map(\.name).joined(separator: "/"))
    }
}
