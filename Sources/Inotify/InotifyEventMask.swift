// ragsync — InotifyEventMask: the inotify event and watch flags as an option set.

import Glibc

/// The bits of an inotify watch mask or event mask (inotify(7)).
public struct InotifyEventMask: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let modified = Self(rawValue: UInt32(IN_MODIFY))
    public static let closedAfterWriting = Self(rawValue: UInt32(IN_CLOSE_WRITE))
    public static let movedFrom = Self(rawValue: UInt32(IN_MOVED_FROM))
    public static let movedTo = Self(rawValue: UInt32(IN_MOVED_TO))
    public static let created = Self(rawValue: UInt32(IN_CREATE))
    public static let deleted = Self(rawValue: UInt32(IN_DELETE))
    public static let watchedDeleted = Self(rawValue: UInt32(IN_DELETE_SELF))
    public static let watchedMoved = Self(rawValue: UInt32(IN_MOVE_SELF))
    /// The file system holding the watched object was unmounted.
    public static let unmounted = Self(rawValue: UInt32(IN_UNMOUNT))
    /// The kernel's event queue overflowed: events were lost.
    public static let queueOverflowed = Self(rawValue: UInt32(IN_Q_OVERFLOW))
    /// The watch was removed (explicitly, or because its object is gone); its descriptor is free again.
    public static let ignored = Self(rawValue: UInt32(IN_IGNORED))
    /// The event's subject is a directory.
    public static let isDirectory = Self(rawValue: UInt32(IN_ISDIR))

    // Watch options (only in masks passed to `addWatch`).
    public static let onlyDirectory = Self(rawValue: UInt32(IN_ONLYDIR))
    public static let dontFollow = Self(rawValue: UInt32(IN_DONT_FOLLOW))
    public static let excludeUnlinked = Self(rawValue: UInt32(IN_EXCL_UNLINK))

    /// What a content-directory watch needs: file saves, creations, moves and deletions, and the directory's own
    /// fate. Never OPEN, ACCESS or ATTRIB: reads would flood the queue.
    public static let directoryChanges: Self = [
        .created, .closedAfterWriting, .movedTo, .movedFrom, .deleted, .modified, .watchedDeleted, .watchedMoved,
        .onlyDirectory, .dontFollow, .excludeUnlinked,
    ]

    public var description: String {
        let names: [(Self, String)] = [
            (.modified, "MODIFY"), (.closedAfterWriting, "CLOSE_WRITE"), (.movedFrom, "MOVED_FROM"),
            (.movedTo, "MOVED_TO"), (.created, "CREATE"), (.deleted, "DELETE"), (.watchedDeleted, "DELETE_SELF"),
            (.watchedMoved, "MOVE_SELF"), (.unmounted, "UNMOUNT"), (.queueOverflowed, "Q_OVERFLOW"),
            (.ignored, "IGNORED"), (.isDirectory, "ISDIR"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined(separator: "|")
    }
}
