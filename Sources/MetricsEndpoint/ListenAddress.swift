// ragsync — ListenAddress: where the metrics listener binds, parsed from RAGSYNC_METRICS_LISTEN.

import FoundationEssentials
import Glibc

/// A numeric IP address and a port: `127.0.0.1:9464`, `0.0.0.0:9464` or `[::1]:9464`; port 0 lets the system pick a
/// free one (the daemon logs it). Host names are refused: resolving one at start would make the listen address depend
/// on DNS.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: UInt16
    public let isIPv6: Bool

    /// Parses `host:port`; nil when it is not a numeric address and a port from 0 to 65535.
    /// The same host with another port (the one the system picked for port 0).
    public func withPort(_ port: UInt16) -> ListenAddress {
        ListenAddress(host: host, port: port, isIPv6: isIPv6)
    }

    private init(host: String, port: UInt16, isIPv6: Bool) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }

    public init?(_ text: String) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
            isIPv6 = true
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            isIPv6 = false
        }
        guard let number = UInt16(port) else { return nil }
        self.host = String(host)
        self.port = number
        guard withSockaddr({ _, _ in 0 }) == 0 else { return nil }
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with the socket address; returns -1 without calling it when the host is not a numeric address.
    func withSockaddr(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { return -1 }
            return Self.asSockaddr(address, body)
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return -1 }
        return Self.asSockaddr(address, body)
    }

    /// A `sockaddr_in` or `sockaddr_in6` as the generic `sockaddr` pointer and length the socket calls take.
    private static func asSockaddr<Address>(
        _ address: Address, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}
