// ragsync — InotifyEvent: one decoded `struct inotify_event`.

/// An event read from an inotify instance.
public struct InotifyEvent: Sendable, Equatable {
    /// The watch (directory) the event concerns; -1 for a queue overflow.
    public var watch: WatchDescriptor
    public var mask: InotifyEventMask
    /// Pairs an `IN_MOVED_FROM` with its `IN_MOVED_TO`; 0 otherwise.
    public var cookie: UInt32
    /// The entry's name inside the watched directory, as the raw bytes the kernel gave (file names need not be
    /// UTF-8); empty for events about the directory itself.
    public var name: [UInt8]

    public init(watch: WatchDescriptor, mask: InotifyEventMask, cookie: UInt32, name: [UInt8]) {
        self.watch = watch
        self.mask = mask
        self.cookie = cookie
        self.name = name
    }

    /// The name as a string, or nil when it is not valid UTF-8.
    public var nameString: String? {
        String(validating: name, as: UTF8.self)
    }

    /// The name with bytes that are not UTF-8 escaped as `\xNN`, for messages.
    public var displayName: String {
        nameString ?? name.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
    }
}
