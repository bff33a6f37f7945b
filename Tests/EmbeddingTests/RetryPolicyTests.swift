// ragsync — the pure parts of the embedding client: backoff, Retry-After, batch planning, base64 decoding.

import Foundation
import RagsyncTestSupport
import Testing

@testable import Embedding

@Suite struct RetryPolicyTests {
    private let policy = RetryPolicy(
        initialBackoff: .milliseconds(500),
        maxBackoff: .seconds(30),
        maxRetryAfter: .seconds(60)
    )

    @Test(arguments: [(1, 500), (2, 1000), (3, 2000), (8, 30_000), (40, 30_000)])
    func backoffDoublesUpToTheCap(retry: Int, ceilingMilliseconds: Int) {
        #expect(policy.backoff(retry: retry, unitRandom: 1) == .milliseconds(ceilingMilliseconds))
        #expect(policy.backoff(retry: retry, unitRandom: 0) == .zero)
    }

    @Test func retryAfterSecondsAndHTTPDateAreHonouredAndCapped() {
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // 2015-10-21 07:27:50 GMT
        #expect(policy.retryAfter(headers: ["retry-after": "2"], now: now) == .seconds(2))
        #expect(policy.retryAfter(headers: ["retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"], now: now) == .seconds(10))
        #expect(policy.retryAfter(headers: ["retry-after": "3600"], now: now) == .seconds(60))
        #expect(policy.retryAfter(headers: ["retry-after-ms": "250"], now: now) == .milliseconds(250))
        #expect(policy.retryAfter(headers: ["retry-after": "soon"], now: now) == nil)
        #expect(policy.retryAfter(headers: [:], now: now) == nil)
    }

    /// IMF-fixdates from 1800 to 2200, read here and by Foundation's formatter with the format the client used before.
    @Test(arguments: SeededGenerator.seeds(default: [41, 42]))
    func httpDatesAreReadAsFoundationsFormatterReadsThem(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let writer = DateFormatter()
        writer.locale = Locale(identifier: "en_US_POSIX")
        writer.timeZone = TimeZone(identifier: "GMT")
        writer.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        for _ in 0..<2_000 {
            let date = Date(timeIntervalSince1970: Double(Int.random(in: -5_364_662_400...7_258_118_400, using: &random)))
            let text = writer.string(from: date)
            #expect(RetryPolicy.httpDate(text) == date, "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)): \(text)")
        }
    }

    @Test(arguments: [
        "Wed, 21 Oct 2015 07:28 GMT", "21 Oct 2015 07:28:00 GMT", "Wed, 32 Oct 2015 07:28:00 GMT",
        "Wed, 21 Foo 2015 07:28:00 GMT", "Wed, 21 Oct 2015 24:00:00 GMT", "Wed, 21 Oct 2015 07:28:00 PST",
        "Wed, 1 Oct 2015 07:28:00 GMT", "Wednesday, 21-Oct-15 07:28:00 GMT", "", "Wed,",
    ])
    func malformedHTTPDatesAreNotRead(text: String) {
        #expect(RetryPolicy.httpDate(text) == nil)
    }

    @Test func theProvidersErrorMessageAndCodeAreReadFromEveryKnownShape() {
        func read(_ body: String) -> (String?, String?) {
            let error = EmbeddingsWireFormat.providerError(in: Array(body.utf8))
            return (error.message, error.code)
        }
        #expect(read(#"{"error":{"message":"Rate limit","code":"rate_limit_exceeded"}}"#) == ("Rate limit", "rate_limit_exceeded"))
        #expect(read(#"{"error":{"message":"Bad","type":"invalid_request_error","code":null}}"#) == ("Bad", "invalid_request_error"))
        #expect(read(#"{"error":{"message":"Bad","code":400}}"#) == ("Bad", nil))
        #expect(read(#"{"error":"model not loaded"}"#) == ("model not loaded", nil))
        #expect(read(#"{"message":"overloaded"}"#) == ("overloaded", nil))
        #expect(read(#"{"detail":"Not Found"}"#) == ("Not Found", nil))
        #expect(read(#"{"detail":[{"msg":"field required"}]}"#) == (#"{"detail":[{"msg":"field required"}]}"#, nil))
        #expect(read("  <html>\n  Bad Gateway</html> ") == ("<html>   Bad Gateway</html>", nil))
        #expect(read("") == (nil, nil))
    }

    @Test(arguments: [
        ([Int](), 2, 100, [Range<Int>]()),
        ([1, 1, 1, 1, 1], 2, 100, [0..<2, 2..<4, 4..<5]),
        ([5, 5, 5, 20, 5], 10, 10, [0..<2, 2..<3, 3..<4, 4..<5]),
        ([20], 10, 10, [0..<1]),
    ])
    func batchPlannerRespectsInputAndTokenLimits(
        tokens: [Int],
        maxInputs: Int,
        maxTokens: Int,
        expected: [Range<Int>]
    ) {
        let batches = EmbeddingBatchPlanner.batches(tokenCounts: tokens, maxInputs: maxInputs, maxTokens: maxTokens)
        #expect(batches == expected)
    }

    @Test func base64DecodesLittleEndianFloat32() {
        let values: [Float] = [1, -0.5, 0.25, 3.5]
        var bytes: [UInt8] = []
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }

        #expect(EmbeddingsWireFormat.floats(base64: Data(bytes).base64EncodedString()) == values)
        #expect(EmbeddingsWireFormat.floats(base64: "AAA=") == nil)  // 2 bytes: not whole floats
        #expect(EmbeddingsWireFormat.floats(base64: "%%%") == nil)
    }

    @Test func duplicateIndicesAreRejected() {
        let body = Array(#"{"data":[{"index":0,"embedding":[1.0]},{"index":0,"embedding":[1.0]}]}"#.utf8)
        #expect(throws: EmbeddingsWireFormat.Invalid.self) {
            try EmbeddingsWireFormat.decode(body, inputCount: 2, dimensions: 1)
        }
    }

    @Test func redactedURLDropsCredentialsAndQuery() {
        #expect(OpenAIEmbeddingConfiguration.redactedURL("https://u:p@host:8443/v1?key=x#f") == "https://host:8443/v1")
        #expect(OpenAIEmbeddingConfiguration.redactedURL("http://127.0.0.1:80/v1") == "http://127.0.0.1:80/v1")
    }
}
