// ragsync — HTTPRequestLine: the method and path of an HTTP request, and nothing else of it.

/// The first line of a request (`GET /metrics HTTP/1.1`), with any query string dropped from the path.
struct HTTPRequestLine: Equatable {
    var method: String
    var path: String

    /// Nil when the bytes do not start with `METHOD SP TARGET SP HTTP/x`.
    init?(_ head: [UInt8]) {
        guard let end = head.firstIndex(of: 10) else { return nil }
        let line = String(decoding: head[..<end], as: UTF8.self).trimmingSuffix("\r")
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/"), !parts[0].isEmpty, parts[1].hasPrefix("/") else { return nil }
        method = String(parts[0])
        path = String(parts[1].prefix { $0 != "?" })
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
