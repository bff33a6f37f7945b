// ragsync — RetryPolicy: capped exponential backoff with full jitter, and Retry-After. Pure: no I/O.

import FoundationEssentials
import Glibc

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
            if let number = Double(value.trimmingHTTPWhitespace()), number.isFinite {
                seconds = number
            } else if let date = Self.httpDate(value) {
                seconds = date.timeIntervalSince(now)
            }
        }
        guard let seconds else { return nil }
        let capped = min(max(seconds, 0), Self.seconds(maxRetryAfter))
        return .milliseconds(Int64((capped * 1000).rounded()))
    }

    /// Parses an IMF-fixdate such as `Wed, 21 Oct 2015 07:28:00 GMT` (RFC 9110 §5.6.7), the form servers must send;
    /// `UTC` is accepted for `GMT`. The day name is checked as a name, not against the date.
    static func httpDate(_ text: String) -> Date? {
        let fields = text.trimmingHTTPWhitespace().split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 6, fields[0].count == 4, fields[0].hasSuffix(","),
            dayNames.contains(String(fields[0].dropLast())),
            let day = Int(fields[1]), fields[1].count == 2, (1...31).contains(day),
            let monthIndex = monthNames.firstIndex(of: String(fields[2])),
            let year = Int(fields[3]), fields[3].count == 4,
            fields[5] == "GMT" || fields[5] == "UTC"
        else { return nil }
        let time = fields[4].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3, time.allSatisfy({ $0.count == 2 }), let hour = Int(time[0]), let minute = Int(time[1]),
            let second = Int(time[2]), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysSinceEpoch(year: year, month: monthIndex + 1, day: day)
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    private static let dayNames: Set<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
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
