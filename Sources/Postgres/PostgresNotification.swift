// ragsync — PostgresNotification: a NOTIFY received on a LISTENing connection.

internal import CLibPQ
import Glibc

/// One `NOTIFY channel, 'payload'` delivered to a connection that ran `LISTEN channel`.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    /// The server process that sent it.
    public var senderProcessID: Int32
}

extension PostgresConnection {
    /// Waits until notifications arrive or `timeout` passes; blocking, so call it off the cooperative pool.
    /// The corresponding C functions are `PQconsumeInput` and `PQnotifies`.
    /// - Returns: every notification received; empty after the timeout.
    /// - Throws: `PostgresError` when the connection is lost.
    public func waitForNotifications(timeout: Duration) throws(PostgresError) -> [PostgresNotification] {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard PQconsumeInput(rawHandle) == 1 else {
                throw PostgresError(
                    .connectionFailed, message: Self.trimmedMessage(PQerrorMessage(rawHandle)), target: redactedTarget)
            }
            var received: [PostgresNotification] = []
            while let notification = PQnotifies(rawHandle) {
                received.append(
                    PostgresNotification(
                        channel: String(cString: notification.pointee.relname),
                        payload: String(cString: notification.pointee.extra),
                        senderProcessID: notification.pointee.be_pid))
                PQfreemem(notification)
            }
            let remaining = deadline - ContinuousClock.now
            if !received.isEmpty || remaining <= .zero { return received }
            var descriptor = pollfd(fd: PQsocket(rawHandle), events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            _ = poll(&descriptor, 1, milliseconds)
        }
    }
}
