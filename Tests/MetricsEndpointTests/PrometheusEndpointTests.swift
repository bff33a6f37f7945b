// ragsync — the metrics listener on a real socket: what it serves, what it refuses, and that closing frees the port.

import Foundation
import Logging
@testable import MetricsEndpoint
import Prometheus
import RagsyncTestSupport
import Testing

@Suite("Prometheus endpoint")
struct PrometheusEndpointTests {
    @Test func listenAddressesAreNumericWithAPort() {
        #expect(ListenAddress("127.0.0.1:9464")?.description == "127.0.0.1:9464")
        #expect(ListenAddress("[::1]:9464")?.isIPv6 == true)
        #expect(ListenAddress("0.0.0.0:1")?.port == 1)
        #expect(ListenAddress("127.0.0.1:0")?.port == 0)
        for bad in ["localhost:9464", "127.0.0.1", "127.0.0.1:70000", "[::1]9464", ":9464", "1.2.3:80", ""] {
            #expect(ListenAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func requestLinesGiveMethodAndPathOnly() {
        let line = HTTPRequestLine(Array("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        #expect(line?.method == "GET")
        #expect(line?.path == "/metrics")
        #expect(HTTPRequestLine(Array("GET metrics HTTP/1.1\r\n\r\n".utf8)) == nil)
        #expect(HTTPRequestLine(Array("\u{0}\u{1}\r\n".utf8)) == nil)
        #expect(HTTPRequestLine(Array("GET /metrics".utf8)) == nil)
    }

    @Test func itServesTheRegistryAndRefusesEverythingElse() throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(name: "ragsync_test_total").increment(by: Int64(3))
        let address = try #require(ListenAddress("127.0.0.1:\(try MetricsScraper.freePort())"))
        let endpoint = try PrometheusEndpoint(address: address, registry: registry, logger: Logger(label: "test"))
        endpoint.start()
        defer { endpoint.close() }

        let metrics = try exchange(address, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(metrics.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(metrics.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(metrics.contains("ragsync_test_total 3"))
        #expect(try exchange(address, "GET /other HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(try exchange(address, "POST /metrics HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 405"))
        #expect(try exchange(address, "nonsense\r\n\r\n").hasPrefix("HTTP/1.1 400"))
        let head = try exchange(address, "HEAD /metrics HTTP/1.1\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && !head.contains("ragsync_test_total"))
    }

    @Test func portZeroListensOnAFreePortItReports() throws {
        let endpoint = try PrometheusEndpoint(
            address: try #require(ListenAddress("127.0.0.1:0")), registry: PrometheusCollectorRegistry(),
            logger: Logger(label: "test"))
        endpoint.start()
        defer { endpoint.close() }
        #expect(endpoint.address.port != 0)
        #expect(try exchange(endpoint.address, "GET /metrics HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"))
    }

    @Test func closingFreesThePortAndATakenPortIsAnErrorNamingTheAddress() throws {
        let address = try #require(ListenAddress("127.0.0.1:\(try MetricsScraper.freePort())"))
        let first = try PrometheusEndpoint(address: address, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        first.start()
        #expect {
            _ = try PrometheusEndpoint(address: address, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        } throws: { error in
            "\(error)".contains("bind on \(address) failed") && "\(error)".contains("another process listens there")
        }
        first.close()
        first.close()
        let second = try PrometheusEndpoint(address: address, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        second.close()
    }
}

/// Sends `request` to the listener and returns everything it answered before closing.
func exchange(_ address: ListenAddress, _ request: String) throws -> String {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    let connected = address.withSockaddr { connect(descriptor, $0, $1) }
    try #require(connected == 0, "connect: \(String(cString: strerror(errno)))")
    _ = Array(request.utf8).withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        answer += buffer[0..<count]
    }
    return String(decoding: answer, as: UTF8.self)
}
