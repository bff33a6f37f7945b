// ragsync — WatchEvent: one inotify event, as the watch state machine sees it.

/// An event about an entry of a watched folder, or about the folder itself.
///
/// It mirrors `struct inotify_event` without depending on the kernel's constants, so the state machine that
/// interprets events has no C module and can be driven by a simulation.
public struct WatchEvent: Sendable, Equatable {
    /// What happened, as inotify's mask bits.
    public struct Kind: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let modified = Self(rawValue: 1 << 0)
        public static let closedAfterWriting = Self(rawValue: 1 << 1)
        public static let movedFrom = Self(rawValue: 1 << 2)
        public static let movedTo = Self(rawValue: 1 << 3)
        public static let created = Self(rawValue: 1 << 4)
        public static let deleted = Self(rawValue: 1 << 5)
        /// The watched folder itself was deleted.
        public static let watchedDeleted = Self(rawValue: 1 << 6)
        /// The watched folder itself was moved.
        public static let watchedMoved = Self(rawValue: 1 << 7)
        public static let unmounted = Self(rawValue: 1 << 8)
        /// The kernel's queue overflowed: events were lost.
        public static let queueOverflowed = Self(rawValue: 1 << 9)
        /// The watch was removed (by `inotify_rm_watch`, or because its folder is gone).
        public static let ignored = Self(rawValue: 1 << 10)
        /// The entry is a folder.
        public static let isDirectory = Self(rawValue: 1 << 11)
    }

    /// The watch the event concerns (-1 for an overflow).
    public var watch: Int32
    public var kind: Kind
    /// Pairs a `movedFrom` with its `movedTo`; 0 otherwise.
    public var cookie: UInt32
    /// The entry's name as the kernel gave it; empty for events about the folder itself.
    public var name: [UInt8]

    public init(watch: Int32, kind: Kind, cookie: UInt32 = 0, name: [UInt8] = []) {
        self.watch = watch
        self.kind = kind
        self.cookie = cookie
        self.name = name
    }

    public init(watch: Int32, kind: Kind, cookie: UInt32 = 0, name: String) {
        self.init(watch: watch, kind: kind, cookie: cookie, name: Array(name.utf8))
    }

    /// The name as a string, or nil when it is not valid UTF-8.
    public var nameString: String? {
        String(validating: name, as: UTF8.self)
    }
}
