// ragsync — RetryPolicy: capped exponential backoff with full jitter, and Retry-After. Pure: no I/O.

import Foundation

/// How long to wait before retrying a request.
struct RetryPolicy {
    /// The first backoff.
    var initialBackoff: Duration
    /// The largest computed backoff.
    var maxBackoff: Duration
    /// The longest `Retry-After` honoured.
    var maxRetryAfter: Duration

    /// Full-jitter backoff: uniform in `0 ... min(maxBackoff, initialBackoff × 2^(retry−1))`.
    /// - Parameters:
    ///   - retry: 1 for the first retry.
    ///   - unitRandom: a number in `0 ... 1`.
    /// - Returns: the delay.
    func backoff(retry: Int, unitRandom: Double) -> Duration {
        let exponent = Double(min(max(retry - 1, 0), 62))
        let ceiling = min(Self.seconds(maxBackoff), Self.seconds(initialBackoff) * pow(2, exponent))
        return .milliseconds(Int64((ceiling * min(max(unitRandom, 0), 1) * 1000).rounded()))
    }

    /// The delay a 429 or 503 answer asks for, capped by `maxRetryAfter`.
    ///
    /// Reads `retry-after-ms` (Azure OpenAI), then `Retry-After` as seconds or an HTTP-date.
    /// - Parameters:
    ///   - headers: header fields, names lowercased.
    ///   - now: the current time, for HTTP-dates.
    /// - Returns: the delay, or nil without a usable header.
    func retryAfter(headers: [String: String], now: Date) -> Duration? {
        var seconds: Double?
        if let value = headers["retry-after-ms"], let milliseconds = Double(value), milliseconds.isFinite {
            seconds = milliseconds / 1000
        } else if let value = headers["retry-after"] {
            if let number = Double(value.trimmingCharacters(in: .whitespaces)), number.isFinite {
                seconds = number
            } else if let date = Self.httpDate(value) {
                seconds = date.timeIntervalSince(now)
            }
        }
        guard let seconds else { return nil }
        let capped = min(max(seconds, 0), Self.seconds(maxRetryAfter))
        return .milliseconds(Int64((capped * 1000).rounded()))
    }

    /// Parses an IMF-fixdate such as `Wed, 21 Oct 2015 07:28:00 GMT`.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text.trimmingCharacters(in: .whitespaces))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Splits texts into requests. Pure: no I/O.
enum EmbeddingBatchPlanner {
    /// Consecutive ranges of at most `maxInputs` texts whose estimated tokens stay within `maxTokens`; a single text
    /// above the budget gets a request of its own.
    /// - Parameters:
    ///   - tokenCounts: the estimated tokens of each text.
    ///   - maxInputs: most texts per request (≥ 1).
    ///   - maxTokens: the token budget per request.
    /// - Returns: ranges covering `tokenCounts.indices` in order; empty for no texts.
    static func batches(tokenCounts: [Int], maxInputs: Int, maxTokens: Int) -> [Range<Int>] {
        var batches: [Range<Int>] = []
        var start = 0
        var tokens = 0
        for (index, count) in tokenCounts.enumerated() {
            let size = index - start
            if size > 0 && (size >= maxInputs || tokens + count > maxTokens) {
                batches.append(start..<index)
                start = index
                tokens = 0
            }
            tokens += count
        }
        if start < tokenCounts.count { batches.append(start..<tokenCounts.count) }
        return batches
    }
}
