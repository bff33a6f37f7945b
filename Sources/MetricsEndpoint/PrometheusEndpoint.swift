// ragsync — PrometheusEndpoint: serves the metrics registry as Prometheus text on `GET /metrics`.

import Glibc
import Synchronization
import ThreadExecutor
public import Logging
public import Prometheus

/// A small HTTP/1.0-style listener for one scraper: it accepts a connection, reads the request line, answers and
/// closes. Everything runs on a thread of its own (accept and read block), never on Swift's cooperative pool.
///
/// A well-kept HTTP server package (Hummingbird, on SwiftNIO) would bring event-loop threads and several megabytes to
/// a daemon that serves one scrape every few seconds; this listener costs one thread blocked in `accept`.
/// Requests other than `GET`/`HEAD /metrics` get 404 or 405; a client that sends nothing within 2 seconds, or more
/// than 8 KB of headers, is dropped. Nothing from a request reaches the registry or the log but its method and path.
public final class PrometheusEndpoint: @unchecked Sendable {
    /// The address it listens on (`127.0.0.1:9464`), with the port the system picked when port 0 was given.
    public let address: ListenAddress
    private let registry: PrometheusCollectorRegistry
    private let beforeScrape: @Sendable () -> Void
    private let logger: Logger
    /// The listening socket; -1 once closed.
    private let socket: Mutex<Int32>

    /// Binds and listens; call ``start()`` to serve.
    /// - Parameters:
    ///   - beforeScrape: updates values derived at scrape time (seconds since the last pass).
    /// - Throws: ``MetricsEndpointError`` naming the address and the system's reason (in use, not local).
    public init(
        address: ListenAddress, registry: PrometheusCollectorRegistry, logger: Logger,
        beforeScrape: @escaping @Sendable () -> Void = {}
    ) throws(MetricsEndpointError) {
        self.registry = registry
        self.logger = logger
        self.beforeScrape = beforeScrape
        let socket = try Self.listeningSocket(on: address)
        self.socket = Mutex(socket)
        self.address = address.withPort(Self.boundPort(of: socket) ?? address.port)
    }

    /// The local port of a bound socket.
    private static func boundPort(of socket: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard found == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
        default:
            return nil
        }
    }

    deinit {
        close()
    }

    /// Serves on a thread of its own until ``close()``.
    public func start() {
        DetachedThread.start(name: "ragsync-metrics", stackSize: 256 * 1024) { [self] in serve() }
    }

    /// Stops accepting; a scrape in progress finishes. Safe to call more than once.
    public func close() {
        let descriptor = socket.withLock { socket -> Int32 in
            let descriptor = socket
            socket = -1
            return descriptor
        }
        guard descriptor >= 0 else { return }
        // shutdown wakes the thread blocked in accept; close alone would not on Linux.
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
        _ = Glibc.close(descriptor)
    }

    private func serve() {
        while true {
            let listening = socket.withLock { $0 }
            guard listening >= 0 else { return }
            let client = Glibc.accept(listening, nil, nil)
            if client < 0 {
                let code = errno
                if code == EINTR || code == ECONNABORTED { continue }
                // After close() this is the expected end; otherwise scrapes stop, and the log says why.
                if socket.withLock({ $0 >= 0 }) {
                    logger.warning(
                        "metrics listener on \(address) stopped: \(String(cString: strerror(code)))",
                        metadata: ["action": "metrics", "error": "\(String(cString: strerror(code)))"])
                }
                return
            }
            answer(client)
            _ = Glibc.close(client)
        }
    }

    private func answer(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequestHead(client) else { return }
        switch HTTPRequestLine(request) {
        case .some(let line) where line.path == "/metrics" && (line.method == "GET" || line.method == "HEAD"):
            beforeScrape()
            var body: [UInt8] = []
            body.reserveCapacity(16 * 1024)
            registry.emit(into: &body)
            send(client, status: "200 OK", contentType: "text/plain; version=0.0.4; charset=utf-8", body: body,
                 includeBody: line.method == "GET")
        case .some(let line) where line.path == "/metrics":
            send(client, status: "405 Method Not Allowed", contentType: "text/plain", body: Array("use GET\n".utf8))
        case .some:
            send(client, status: "404 Not Found", contentType: "text/plain", body: Array("metrics are at /metrics\n".utf8))
        case .none:
            send(client, status: "400 Bad Request", contentType: "text/plain", body: Array("bad request\n".utf8))
        }
    }

    /// The bytes up to the blank line ending the headers; nil when the client sent nothing in time or too much.
    private func readRequestHead(_ client: Int32) -> [UInt8]? {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while head.count < 8192 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(client, $0.baseAddress, $0.count) }
            guard count > 0 else { return head.isEmpty ? nil : head }
            head += buffer[0..<count]
            if head.suffix(4) == [13, 10, 13, 10] || head.suffix(2) == [10, 10] { return head }
        }
        return nil
    }

    private func send(_ client: Int32, status: String, contentType: String, body: [UInt8], includeBody: Bool = true) {
        let header = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
            + "Connection: close\r\n\r\n"
        var bytes = Array(header.utf8)
        if includeBody { bytes += body }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }

    private static func listeningSocket(on address: ListenAddress) throws(MetricsEndpointError) -> Int32 {
        let descriptor = Glibc.socket(address.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw MetricsEndpointError(address: address, errno: errno, call: "socket") }
        var yes: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withSockaddr { Glibc.bind(descriptor, $0, $1) }
        guard bound == 0, Glibc.listen(descriptor, 16) == 0 else {
            let error = MetricsEndpointError(address: address, errno: errno, call: bound == 0 ? "listen" : "bind")
            _ = Glibc.close(descriptor)
            throw error
        }
        return descriptor
    }
}
