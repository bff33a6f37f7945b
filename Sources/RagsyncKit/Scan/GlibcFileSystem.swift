// ragsync — GlibcFileSystem: the real file system, through Glibc.

import Glibc
public import SyncCore

/// The content directory on disk.
///
/// Reads open with `O_NOFOLLOW`: the walk resolved links already, so a link found at read time was swapped in since
/// (perhaps to a file outside the tree) and is refused rather than followed. A file over the limit is refused with
/// the limit named, and one that changes size or modification time while it is read is reported as changing, to be
/// read again later rather than indexed half written.
public struct GlibcFileSystem: FileSystem {
    public init() {}

    /// The corresponding C function is `realpath(3)`.
    public func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The corresponding C functions are `stat(2)` and `lstat(2)`.
    public func status(of path: String, followingLinks: Bool) throws(FileSystemError) -> FileStatus {
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { throw Self.error(errno) }
        return Self.fileStatus(info)
    }

    private static func fileStatus(_ info: stat) -> FileStatus {
        let kind: FileStatus.Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        let stamp = FileStamp(
            size: Int64(info.st_size), modified: nanoseconds(info.st_mtim), changed: nanoseconds(info.st_ctim),
            inode: UInt64(info.st_ino), device: UInt64(info.st_dev))
        return FileStatus(kind: kind, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), stamp: stamp)
    }

    private static func nanoseconds(_ time: timespec) -> Int64 {
        Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }

    /// The corresponding C functions are `opendir(3)` and `readdir(3)`.
    public func entries(of folder: String) throws(FileSystemError) -> [DirectoryEntry] {
        try list(folder) { _, _ in () }.map(\.entry)
    }

    /// The corresponding C functions are `opendir(3)`, `readdir(3)` and `fstatat(2)` on the folder's descriptor: the
    /// walk's stat calls are the largest part of a 5,000-file sync with nothing changed (12-15 ms of kernel time),
    /// and each now resolves one name instead of its whole path (the dentry lookup of that name still dominates).
    public func entriesWithStatus(
        of folder: String
    ) throws(FileSystemError) -> [(entry: DirectoryEntry, status: FileStatus?)] {
        try list(folder) { descriptor, name in
            var info = stat()
            return fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? Self.fileStatus(info) : nil
        }.map { (entry: $0.entry, status: $0.detail) }
    }

    /// A folder's entries, each with what `detail` gives for it from the open folder's descriptor and its name.
    private func list<Detail>(
        _ folder: String, _ detail: (Int32, UnsafePointer<CChar>) -> Detail
    ) throws(FileSystemError) -> [(entry: DirectoryEntry, detail: Detail)] {
        guard let handle = opendir(folder) else { throw Self.error(errno) }
        defer { closedir(handle) }
        let descriptor = dirfd(handle)
        var entries: [(entry: DirectoryEntry, detail: Detail)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            let found = withUnsafePointer(to: entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: name.count + 1) { detail(descriptor, $0) }
            }
            let kind: FileStatus.Kind?
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .regular
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symbolicLink
            case Int32(DT_UNKNOWN): kind = nil
            default: kind = .other
            }
            entries.append((DirectoryEntry(name: name, kind: kind), found))
        }
        return entries
    }

    /// Reads the whole file.
    /// - Throws: ``ContentReadError`` naming the reason.
    public func contents(of path: String, maxBytes: Int) throws(ContentReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw ContentReadError(.vanished) }
            if code == ELOOP { throw ContentReadError(.unreadable("the file was replaced by a symbolic link")) }
            throw ContentReadError(.unreadable(String(cString: strerror(code))))
        }
        defer { close(descriptor) }
        var before = stat()
        guard fstat(descriptor, &before) == 0, (before.st_mode & S_IFMT) == S_IFREG else {
            throw ContentReadError(.unreadable("not a regular file"))
        }
        guard Int(before.st_size) <= maxBytes else {
            throw ContentReadError(.tooLarge(size: Int(before.st_size), limit: maxBytes))
        }
        var bytes = [UInt8](repeating: 0, count: Int(before.st_size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= maxBytes else {
                    throw ContentReadError(.tooLarge(size: bytes.count, limit: maxBytes))
                }
                bytes.append(contentsOf: repeatElement(0, count: max(4096, bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { buffer -> Int in
                // Never nil: the buffer holds at least one byte (the file's size plus one).
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(descriptor, base + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw ContentReadError(.unreadable(String(cString: strerror(errno))))
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        var after = stat()
        guard fstat(descriptor, &after) == 0, after.st_size == before.st_size, after.st_mtim.tv_sec == before.st_mtim.tv_sec,
            after.st_mtim.tv_nsec == before.st_mtim.tv_nsec, filled == Int(after.st_size)
        else {
            throw ContentReadError(.changedWhileReading)
        }
        return bytes
    }

    private static func error(_ code: Int32) -> FileSystemError {
        FileSystemError(isMissing: code == ENOENT || code == ENOTDIR, message: String(cString: strerror(code)))
    }
}
