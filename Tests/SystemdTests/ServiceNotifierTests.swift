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
