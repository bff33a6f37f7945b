// ragsync — YAMLPlainScalar: YAML's implicit types and numbers, decided without regular expressions.

import FoundationEssentials
import YAML

/// Types plain YAML scalars as Yams' default resolver does (bool, int, float, merge, null, timestamp, value, else
/// str, first rule first) and reads the numbers they hold as Yams' constructors do, in plain Swift.
///
/// Yams matches up to seven `NSRegularExpression`s per scalar and strips `_` from numbers through `NSString`. The
/// first match compiled ICU's regular-expression engine and loaded Unicode property tables into every daemon
/// (0.5 MB resident). Yams' sexagesimal integers also multiply without overflow checks, so a frontmatter value such
/// as `1:2:3:4:5:6:7:8:9:10:11` stopped the process; here an integer that does not fit is `nil`, and the value is
/// kept as text. `YAMLPlainScalarTests` checks every rule against Yams' own resolver and constructors.
enum YAMLPlainScalar {
    /// The tag Yams' default resolver gives a plain scalar with this text.
    static func tag(of text: String) -> YAMLTag {
        let candidates = anchoredCandidates(text)
        if candidates.contains(where: isBool) { return .bool }
        if candidates.contains(where: isInt) { return .int }
        if candidates.contains(where: isFloat) { return .float }
        if candidates.contains([UInt8]("<<".utf8)) { return .merge }
        if candidates.contains(where: isNull) { return .null }
        if candidates.contains(where: isTimestamp) { return .timestamp }
        if candidates.contains([UInt8]("=".utf8)) { return .value }
        return .str
    }

    /// The value of a scalar tagged bool (Yams' `Bool.construct`).
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// The value of a plain scalar tagged int (Yams' `Int.construct`), or `nil` when it is not one or does not fit.
    static func int(_ text: String) -> Int? {
        let withSign = String(text.filter { $0 != "_" })
        if withSign == "0" { return 0 }
        let isNegative = withSign.hasPrefix("-")
        let unsigned = withSign.dropFirst(isNegative || withSign.hasPrefix("+") ? 1 : 0)
        let sign = isNegative ? "-" : ""
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where unsigned.hasPrefix(prefix) {
            return Int(sign + unsigned.dropFirst(prefix.count), radix: radix)
        }
        if unsigned.contains(":") { return sexagesimalInt(withSign) }
        return Int(withSign)
    }

    /// The value of a plain scalar tagged float (Yams' `Double.construct`).
    static func float(_ text: String) -> Double? {
        switch text.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default: break
        }
        let withSign = String(text.filter { $0 != "_" })
        if withSign.contains(":") {
            let (isNegative, digits) = sexagesimalDigits(withSign, parse: { Double($0) })
            guard let digits else { return nil }
            // Least significant first, as Yams adds them: the same rounding.
            var (value, base) = (0.0, 1.0)
            for digit in digits.reversed() {
                value += digit * base
                base *= 60
            }
            return isNegative ? -value : value
        }
        return Double(withSign)
    }

    // MARK: - Sexagesimal numbers

    /// `[-+]a:b:c` as `a·60² + b·60 + c`, or `nil` when a digit is not a number or the value does not fit in an
    /// `Int` (Yams multiplied and negated unchecked, and trapped).
    private static func sexagesimalInt(_ text: String) -> Int? {
        let (isNegative, digits) = sexagesimalDigits(text, parse: { Int($0, radix: 10) })
        guard let digits else { return nil }
        var value = 0
        for digit in digits {
            let (shifted, shiftOverflow) = value.multipliedReportingOverflow(by: 60)
            let (sum, sumOverflow) = shifted.addingReportingOverflow(digit)
            guard !shiftOverflow, !sumOverflow else { return nil }
            value = sum
        }
        guard isNegative else { return value }
        let (negated, overflow) = 0.subtractingReportingOverflow(value)
        return overflow ? nil : negated
    }

    /// The sign and the `:`-separated digits of a sexagesimal number, most significant first; nil digits when one
    /// of them does not parse.
    private static func sexagesimalDigits<Number>(
        _ text: String, parse: (String) -> Number?
    ) -> (isNegative: Bool, digits: [Number]?) {
        let isNegative = text.hasPrefix("-")
        let unsigned = text.dropFirst(isNegative || text.hasPrefix("+") ? 1 : 0)
        var digits: [Number] = []
        for component in unsigned.split(separator: ":", omittingEmptySubsequences: false) {
            guard let digit = parse(String(component)) else { return (isNegative, nil) }
            digits.append(digit)
        }
        return (isNegative, digits)
    }

    // MARK: - The resolver's patterns

    /// The texts a `^…$` pattern is tried on: ICU's `$` also matches before one line terminator that ends the input.
    private static func anchoredCandidates(_ text: String) -> [[UInt8]] {
        var candidates = [Array(text.utf8)]
        var scalars = text.unicodeScalars
        guard let last = scalars.popLast(), isLineTerminator(last) else { return candidates }
        candidates.append(Array(String(scalars).utf8))
        if last == "\n", scalars.popLast() == "\r" { candidates.append(Array(String(scalars).utf8)) }
        return candidates
    }

    private static func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    private static let boolWords: Set<[UInt8]> = Set(
        ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
         "on", "On", "ON", "off", "Off", "OFF"].map { Array($0.utf8) })

    private static func isBool(_ bytes: [UInt8]) -> Bool { boolWords.contains(bytes) }

    private static func isNull(_ bytes: [UInt8]) -> Bool {
        bytes.isEmpty || ["~", "null", "Null", "NULL"].contains { Array($0.utf8) == bytes }
    }

    /// `[-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
    /// | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+`
    private static func isInt(_ bytes: [UInt8]) -> Bool {
        var start = PatternCursor(bytes)
        start.skipSign()
        var binary = start
        if binary.take("0"), binary.take("b"), binary.skip(while: { $0 == u("0") || $0 == u("1") || $0 == u("_") }) > 0,
            binary.isAtEnd
        {
            return true
        }
        var octal = start
        if octal.take("0") {
            _ = octal.take("o")
            if octal.skip(while: { (u("0")...u("7")).contains($0) || $0 == u("_") }) > 0, octal.isAtEnd { return true }
        }
        var decimal = start
        if decimal.take("0"), decimal.isAtEnd { return true }
        decimal = start
        if decimal.take(where: { (u("1")...u("9")).contains($0) }) {
            decimal.skip(while: isDigitOrUnderscore)
            if decimal.isAtEnd { return true }
            if decimal.skipSexagesimalGroups() > 0, decimal.isAtEnd { return true }
        }
        var hexadecimal = start
        return hexadecimal.take("0") && hexadecimal.take("x")
            && hexadecimal.skip(while: { isHexDigit($0) || $0 == u("_") }) > 0 && hexadecimal.isAtEnd
    }

    /// `[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)? | \.[0-9_]+(?:[eE][-+][0-9]+)?
    /// | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)`
    private static func isFloat(_ bytes: [UInt8]) -> Bool {
        var signed = PatternCursor(bytes)
        signed.skipSign()
        var decimal = signed
        if decimal.take(where: isDigit) {
            decimal.skip(while: isDigitOrUnderscore)
            var sexagesimal = decimal
            if decimal.take(".") { decimal.skip(while: isDigitOrUnderscore) }
            decimal.skipExponent(signRequired: false)
            if decimal.isAtEnd { return true }
            if sexagesimal.skipSexagesimalGroups() > 0, sexagesimal.take(".") {
                sexagesimal.skip(while: isDigitOrUnderscore)
                if sexagesimal.isAtEnd { return true }
            }
        }
        var fraction = PatternCursor(bytes)
        if fraction.take("."), fraction.skip(while: isDigitOrUnderscore) > 0 {
            fraction.skipExponent(signRequired: true)
            if fraction.isAtEnd { return true }
        }
        var infinity = signed
        if infinity.take("."), infinity.takeAny(of: ["inf", "Inf", "INF"]), infinity.isAtEnd { return true }
        var notANumber = PatternCursor(bytes)
        return notANumber.take(".") && notANumber.takeAny(of: ["nan", "NaN", "NAN"]) && notANumber.isAtEnd
    }

    /// The instant a timestamp scalar names, computed as Yams' `Date.construct` does: the fields go through the
    /// Gregorian calendar leniently (month 13 is January of the next year), no zone means UTC, and a fraction's digits
    /// past the ninth are dropped. Nil when `text` does not match
    /// `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
    /// (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?`.
    static func timestamp(_ text: String) -> Date? {
        var cursor = PatternCursor(Array(text.utf8))
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        guard let year = cursor.number(4...4), cursor.take("-"), let month = cursor.number(1...2), cursor.take("-"),
            let day = cursor.number(1...2)
        else { return nil }
        (components.year, components.month, components.day) = (year, month, day)
        var zoneSeconds = 0
        var nanoseconds: Int?
        if !cursor.isAtEnd {
            guard cursor.take("T") || cursor.take("t") || cursor.skip(while: isBlank) > 0,
                let hour = cursor.number(1...2), cursor.take(":"), let minute = cursor.number(2...2), cursor.take(":"),
                let second = cursor.number(2...2)
            else { return nil }
            (components.hour, components.minute, components.second) = (hour, minute, second)
            if cursor.take(".") {
                let digits = cursor.digits()
                // Yams reads the fraction with Int(_:), which refuses an empty one.
                if !digits.isEmpty {
                    let kept = digits.prefix(9)
                    let value = kept.reduce(0) { $0 * 10 + Int($1) - Int(u("0")) }
                    nanoseconds = (kept.count..<9).reduce(value) { value, _ in value * 10 }
                }
            }
            if !cursor.isAtEnd {
                cursor.skip(while: isBlank)
                if !cursor.take("Z") {
                    let isNegative = cursor.take("-")
                    guard isNegative || cursor.take("+"), let zoneHours = cursor.number(1...2) else { return nil }
                    zoneSeconds = zoneHours * 3600
                    if cursor.take(":") {
                        guard let zoneMinutes = cursor.number(2...2) else { return nil }
                        zoneSeconds += zoneMinutes * 60
                    }
                    if isNegative { zoneSeconds = -zoneSeconds }
                }
            }
        }
        guard cursor.isAtEnd else { return nil }
        // A zone TimeZone refuses (past 18 hours) leaves the calendar's own, as in Yams.
        components.timeZone = TimeZone(secondsFromGMT: zoneSeconds)
        guard let date = components.date else { return nil }
        return nanoseconds.map { date.addingTimeInterval(Double($0) / 1_000_000_000) } ?? date
    }

    /// `[0-9]{4}-[0-9]{2}-[0-9]{2} | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}
    /// (?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?`
    private static func isTimestamp(_ bytes: [UInt8]) -> Bool {
        var date = PatternCursor(bytes)
        guard date.takeDigits(4...4), date.take("-") else { return false }
        var dateOnly = date
        if dateOnly.takeDigits(2...2), dateOnly.take("-"), dateOnly.takeDigits(2...2), dateOnly.isAtEnd { return true }
        guard date.takeDigits(1...2), date.take("-"), date.takeDigits(1...2) else { return false }
        if !date.take("T") && !date.take("t") && date.skip(while: isBlank) == 0 { return false }
        guard date.takeDigits(1...2), date.take(":"), date.takeDigits(2...2), date.take(":"), date.takeDigits(2...2)
        else { return false }
        if date.take(".") { date.skip(while: isDigit) }
        if date.isAtEnd { return true }
        date.skip(while: isBlank)
        if date.take("Z") { return date.isAtEnd }
        guard date.take(where: { $0 == u("-") || $0 == u("+") }), date.takeDigits(1...2) else { return false }
        if date.isAtEnd { return true }
        return date.take(":") && date.takeDigits(2...2) && date.isAtEnd
    }

    fileprivate static func u(_ character: Unicode.Scalar) -> UInt8 { UInt8(truncatingIfNeeded: character.value) }
    fileprivate static func isDigit(_ byte: UInt8) -> Bool { (u("0")...u("9")).contains(byte) }
    fileprivate static func isDigitOrUnderscore(_ byte: UInt8) -> Bool { isDigit(byte) || byte == u("_") }
    fileprivate static func isBlank(_ byte: UInt8) -> Bool { byte == u(" ") || byte == u("\t") }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (u("a")...u("f")).contains(byte) || (u("A")...u("F")).contains(byte)
    }
}

/// A position in a scalar's bytes, advanced by the pieces of one pattern; a copy tries an alternative.
private struct PatternCursor {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func take(where matches: (UInt8) -> Bool) -> Bool {
        guard position < bytes.count, matches(bytes[position]) else { return false }
        position += 1
        return true
    }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        take(where: { $0 == YAMLPlainScalar.u(character) })
    }

    @discardableResult
    mutating func skip(while matches: (UInt8) -> Bool) -> Int {
        let start = position
        while take(where: matches) {}
        return position - start
    }

    mutating func skipSign() { _ = take("-") || take("+") }

    mutating func takeAny(of words: [String]) -> Bool {
        for word in words {
            let word = Array(word.utf8)
            if bytes.count - position >= word.count, Array(bytes[position..<position + word.count]) == word {
                position += word.count
                return true
            }
        }
        return false
    }

    /// The value of `range` digits at most and at least, or nil (nothing taken) when fewer are there.
    mutating func number(_ range: ClosedRange<Int>) -> Int? {
        var taken = self
        guard taken.takeDigits(range) else { return nil }
        let value = bytes[position..<taken.position].reduce(0) { $0 * 10 + Int($1) - Int(YAMLPlainScalar.u("0")) }
        self = taken
        return value
    }

    /// Takes every digit from here on.
    mutating func digits() -> ArraySlice<UInt8> {
        let start = position
        skip(while: YAMLPlainScalar.isDigit)
        return bytes[start..<position]
    }

    /// Between `range.lowerBound` and `range.upperBound` ASCII digits, as many as there are (greedy).
    mutating func takeDigits(_ range: ClosedRange<Int>) -> Bool {
        var taken = 0
        while taken < range.upperBound, take(where: YAMLPlainScalar.isDigit) { taken += 1 }
        return taken >= range.lowerBound
    }

    /// `(?::[0-5]?[0-9])+`; returns how many groups were taken.
    mutating func skipSexagesimalGroups() -> Int {
        var groups = 0
        while true {
            var group = self
            guard group.take(":") else { return groups }
            var twoDigits = group
            if twoDigits.take(where: { (YAMLPlainScalar.u("0")...YAMLPlainScalar.u("5")).contains($0) }),
                twoDigits.take(where: YAMLPlainScalar.isDigit), !twoDigits.startsWithDigit
            {
                self = twoDigits
            } else if group.take(where: YAMLPlainScalar.isDigit), !group.startsWithDigit {
                self = group
            } else {
                return groups
            }
            groups += 1
        }
    }

    /// `(?:[eE][-+]?[0-9]+)?` (`[-+]` when `signRequired`): a partial exponent is left in place, for the
    /// caller's end check to fail on.
    mutating func skipExponent(signRequired: Bool) {
        var exponent = self
        guard exponent.take("e") || exponent.take("E") else { return }
        let signed = exponent.take("-") || exponent.take("+")
        guard signed || !signRequired, exponent.skip(while: YAMLPlainScalar.isDigit) > 0 else { return }
        self = exponent
    }

    private var startsWithDigit: Bool { position < bytes.count && YAMLPlainScalar.isDigit(bytes[position]) }
}
