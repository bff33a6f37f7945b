// ragsync — NotifySocket: a real AF_UNIX datagram socket standing where systemd's notify socket would be.

import Foundation

/// Binds a datagram socket in a temporary folder, as systemd's `$NOTIFY_SOCKET` is, and receives what is sent.
public final class NotifySocket: @unchecked Sendable {  // `descriptor` and `path` are immutable
    /// The socket's path, for `NOTIFY_SOCKET`.
    public let path: String
    private let descriptor: Int32

    /// - Throws: `POSIXError` when the socket cannot be created or bound.
    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString).sock").path
        descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.init(rawValue: errno)!) }
        setReceiveTimeout(.seconds(5))
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// How long `receive()` waits before it throws `EAGAIN`.
    public func setReceiveTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram's text.
    /// - Throws: `POSIXError(EAGAIN)` when nothing arrives within the receive timeout.
    public func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
