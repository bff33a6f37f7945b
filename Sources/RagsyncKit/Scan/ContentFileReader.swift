// ragsync — ContentFileReader: reads one document's bytes, refusing what is too large or still changing.

import Foundation
import Glibc

/// Reads a document's bytes safely.
///
/// A file larger than the limit is refused with the limit named (memory stays bounded); a file that changes size
/// or modification time while it is read is reported as changing, to be read again later rather than indexed half
/// written.
public struct ContentFileReader: Sendable {
    public var maxBytes: Int

    public init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Reads the whole file.
    /// - Throws: ``ContentReadError`` naming the reason.
    public func read(_ path: String) throws(ContentReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw ContentReadError(.vanished) }
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
}

/// Why a document's bytes could not be read.
public struct ContentReadError: Error, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unreadable(String)
        case tooLarge(size: Int, limit: Int)
        case changedWhileReading
        /// The file was renamed or deleted between the event (or the walk) and the read: not a failure, an absence.
        case vanished
    }

    public var reason: Reason

    init(_ reason: Reason) {
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
