// ragsync — ContentReadError: why a document's bytes could not be read.

/// Why a document's bytes could not be read.
public struct ContentReadError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unreadable(String)
        case tooLarge(size: Int, limit: Int)
        case changedWhileReading
        /// The file was renamed or deleted between the event (or the walk) and the read: not a failure, an absence.
        case vanished
    }

    public var reason: Reason

    public init(_ reason: Reason) {
        self.reason = reason
    }

    /// Whether reading again later can succeed with the same file (it was being written).
    public var isTransient: Bool { reason == .changedWhileReading }

    public var description: String {
        switch reason {
        case .unreadable(let message): return "cannot read: \(message)"
        case .tooLarge(let size, let limit):
            return "file is \(size) bytes, over the limit of \(limit) (RAGSYNC_MAX_FILE_BYTES)"
        case .changedWhileReading: return "file changed while being read; it will be read again"
        case .vanished: return "file was moved or deleted before it could be read"
        }
    }
}
