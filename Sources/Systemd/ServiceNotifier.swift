// ragsync — ServiceNotifier: tells systemd what the service is doing (sd_notify).

internal import CSystemd
import FoundationEssentials
import Glibc

/// Sends service state to systemd through `$NOTIFY_SOCKET`.
///
/// Without `NOTIFY_SOCKET` (not started by systemd, or `Type=` other than notify) every call is a no-op, so the
/// daemon runs the same in a terminal. STATUS texts are limited to one line; callers keep them free of secrets.
/// The corresponding C function is `sd_notify`.
public struct ServiceNotifier: Sendable {
    /// A state change systemd understands.
    public enum Message: Sendable, Equatable {
        case ready
        case status(String)
        case watchdog
        case watchdogTrigger
        case stopping
        /// `RELOADING=1` with `MONOTONIC_USEC`, which systemd ≥ 253 requires and 252 ignores.
        case reloading(monotonicMicroseconds: UInt64)
        case extendTimeout(microseconds: UInt64)
        case errno(Int32)

        /// The assignment as sent on the socket.
        public var assignment: String {
            switch self {
            case .ready: return "READY=1"
            case .status(let text):
                let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
                return "STATUS=" + String(line.prefix(200))
            case .watchdog: return "WATCHDOG=1"
            case .watchdogTrigger: return "WATCHDOG=trigger"
            case .stopping: return "STOPPING=1"
            case .reloading(let usec): return "RELOADING=1\nMONOTONIC_USEC=\(usec)"
            case .extendTimeout(let usec): return "EXTEND_TIMEOUT_USEC=\(usec)"
            case .errno(let code): return "ERRNO=\(code)"
            }
        }
    }

    public init() {}

    /// True when systemd listens (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool {
        ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil
    }

    /// Sends one or more assignments in one datagram.
    /// - Returns: true when systemd received it; false without `NOTIFY_SOCKET` or when sending failed.
    @discardableResult
    public func send(_ messages: Message...) -> Bool {
        send(messages)
    }

    /// Sends assignments in one datagram.
    @discardableResult
    public func send(_ messages: [Message]) -> Bool {
        guard !messages.isEmpty else { return false }
        let state = messages.map(\.assignment).joined(separator: "\n")
        return sd_notify(0, state) > 0
    }

    /// The watchdog interval systemd expects pings within (`WatchdogSec=`), or nil when the watchdog is off.
    /// The corresponding C function is `sd_watchdog_enabled`.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    /// The current `CLOCK_MONOTONIC` time in microseconds, for `RELOADING=1`.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
