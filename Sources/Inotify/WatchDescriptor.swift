// ragsync — WatchDescriptor: the number inotify gives a watch.

/// Identifies one watch on an inotify instance; events carry it to say which directory they concern.
public struct WatchDescriptor: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    public var description: String { "wd \(rawValue)" }
}
