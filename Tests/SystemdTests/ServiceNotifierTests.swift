// ragsync — sd_notify messages arrive on a real datagram socket set as NOTIFY_SOCKET.

import Foundation
import Glibc
import Systemd
import RagsyncTestSupport
import Testing

/// `NOTIFY_SOCKET` is process-wide, so these tests run one at a time.
@Suite("sd_notify on a real datagram socket", .serialized)
struct ServiceNotifierTests {
    @Test func readyAndStatusArriveInOneDatagram() throws {
        try withNotifySocket { socket in
            #expect(ServiceNotifier().send(.ready, .status("Watching 5 documents")))
            let received = try socket.receive()
            #expect(received == "READY=1\nSTATUS=Watching 5 documents")
        }
    }

    @Test func reloadingCarriesTheMonotonicTime() throws {
        try withNotifySocket { socket in
            let now = ServiceNotifier.monotonicMicroseconds()
            ServiceNotifier().send(.reloading(monotonicMicroseconds: now))
            let received = try socket.receive()
            #expect(received == "RELOADING=1\nMONOTONIC_USEC=\(now)")
        }
    }

    @Test func statusIsKeptToOneLine() throws {
        try withNotifySocket { socket in
            ServiceNotifier().send(.status("first\nsecond"))
            let received = try socket.receive()
            #expect(received == "STATUS=first second")
        }
    }

    @Test func stoppingAndWatchdogAreSent() throws {
        try withNotifySocket { socket in
            ServiceNotifier().send(.watchdog)
            let received = try socket.receive()
            #expect(received == "WATCHDOG=1")
            ServiceNotifier().send(.stopping)
            let receivedNext = try socket.receive()
            #expect(receivedNext == "STOPPING=1")
        }
    }

    @Test func withoutNotifySocketSendingIsANoOp() {
        unsetenv("NOTIFY_SOCKET")
        #expect(!ServiceNotifier().isEnabled)
        #expect(!ServiceNotifier().send(.ready))
    }

    @Test func theWatchdogIntervalComesFromWatchdogUsec() {
        setenv("WATCHDOG_USEC", "4000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        defer {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
        #expect(ServiceNotifier().watchdogInterval == .seconds(4))
    }

    /// Binds a datagram socket in a temporary folder, points `NOTIFY_SOCKET` at it, and runs `body`.
    private func withNotifySocket(_ body: (NotifySocket) throws -> Void) throws {
        let socket = try NotifySocket()
        setenv("NOTIFY_SOCKET", socket.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        try body(socket)
    }
}

/// A real AF_UNIX datagram socket, as systemd's notify socket is.
final class NotifySocket {
    let path: String
    private let descriptor: Int32

    init() throws {
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
        // A receive that never comes fails the test after 5 s instead of hanging it.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// The next datagram's text.
    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
