// ragsync — InotifyLimits: the kernel's inotify sysctls, read once at start.

import Glibc

/// The per-user inotify limits, from `/proc/sys/fs/inotify/`.
public struct InotifyLimits: Sendable, Equatable {
    /// `fs.inotify.max_user_watches`: watches per user across all processes; one per watched directory.
    public var maxUserWatches: Int?
    /// `fs.inotify.max_queued_events`: events the kernel queues before it drops them and reports an overflow.
    public var maxQueuedEvents: Int?

    public init(maxUserWatches: Int?, maxQueuedEvents: Int?) {
        self.maxUserWatches = maxUserWatches
        self.maxQueuedEvents = maxQueuedEvents
    }

    /// Reads the current limits; a value is nil when its file cannot be read (e.g. /proc hidden by a sandbox).
    public static func current() -> InotifyLimits {
        InotifyLimits(
            maxUserWatches: readNumber("/proc/sys/fs/inotify/max_user_watches"),
            maxQueuedEvents: readNumber("/proc/sys/fs/inotify/max_queued_events"))
    }

    private static func readNumber(_ path: String) -> Int? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 32)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
    }
}
