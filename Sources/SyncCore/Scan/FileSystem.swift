// ragsync — FileSystem: the few file-system calls the walk, the reads and the watcher make.

/// Access to the content directory's files.
///
/// The daemon uses the real one (over Glibc); a simulation uses one in memory, so the walk and the sync logic run
/// unchanged on a modelled disk. Calls block: the owner runs them on a thread of its own.
public protocol FileSystem: Sendable {
    /// The canonical absolute path (links resolved, as `realpath(3)`), or nil when it does not exist.
    func canonicalPath(_ path: String) -> String?

    /// What is at a path, following a final link or not (`stat` or `lstat`).
    func status(of path: String, followingLinks: Bool) throws(FileSystemError) -> FileStatus

    /// The names in a folder, without `.` and `..`.
    func entries(of folder: String) throws(FileSystemError) -> [DirectoryEntry]

    /// The names in a folder, each with what `lstat` says of it (nil for one gone since the listing): the walk's
    /// listing. The real file system asks relative to the open folder, so the kernel resolves one name per file
    /// instead of its whole path.
    func entriesWithStatus(of folder: String) throws(FileSystemError) -> [(entry: DirectoryEntry, status: FileStatus?)]

    /// A regular file's bytes, refusing a link at the last component, a file over `maxBytes` and one that changes
    /// while it is read.
    func contents(of path: String, maxBytes: Int) throws(ContentReadError) -> [UInt8]
}

extension FileSystem {
    /// `entries(of:)` and a `status(of:followingLinks: false)` of each entry's path.
    public func entriesWithStatus(
        of folder: String
    ) throws(FileSystemError) -> [(entry: DirectoryEntry, status: FileStatus?)] {
        try entries(of: folder).map { entry in
            (entry, try? status(of: folder + "/" + String(decoding: entry.name, as: UTF8.self), followingLinks: false))
        }
    }
}

/// What `stat` says about a path.
public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, other
    }

    public var kind: Kind
    /// Device and inode: a folder reached twice has the same pair.
    public var device: UInt64
    public var inode: UInt64
    /// Size, times, inode and device, for the stat cache; nil where the file system does not give them.
    public var stamp: FileStamp?

    public init(kind: Kind, device: UInt64, inode: UInt64, stamp: FileStamp? = nil) {
        self.kind = kind
        self.device = device
        self.inode = inode
        self.stamp = stamp
    }
}

/// One entry of a folder listing.
public struct DirectoryEntry: Sendable, Equatable {
    /// The name as stored (file names need not be UTF-8).
    public var name: [UInt8]
    /// The type from the listing when the file system gives it (`d_type`); nil when it must be asked for.
    public var kind: FileStatus.Kind?

    public init(name: [UInt8], kind: FileStatus.Kind?) {
        self.name = name
        self.kind = kind
    }
}

/// A failed file-system call, with the system's message.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// True when the path does not exist (or a folder on the way is not a folder).
    public var isMissing: Bool
    /// The system's message, as `strerror(3)` words it.
    public var message: String

    public init(isMissing: Bool, message: String) {
        self.isMissing = isMissing
        self.message = message
    }

    public var description: String { message }
}
