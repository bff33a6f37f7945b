// ragsync — JSONReader: reads the JSON of embedding answers a value at a time, straight from the body's bytes.

/// A cursor over JSON text (RFC 8259) that the caller walks with the shape it expects: an object's members one by
/// one, arrays element by element, and whatever it does not need skipped. Values read are checked against JSON's
/// grammar; values skipped only for their structure, as `JSONDecoder` checked the values it did not decode.
///
/// The embedding client reads answers of up to 2,048 vectors with it. Foundation's `JSONDecoder` took more code into
/// every process than the rest of the client, and built an index of the whole body before decoding; this reads
/// numbers straight into the vector they belong to. Nesting deeper than ``depthLimit`` is refused, so no body
/// leads to deep recursion.
struct JSONReader {
    /// Where and why the text is not the JSON expected.
    struct Malformed: Error, Equatable {
        var message: String
    }

    static let depthLimit = 64

    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// What the next value is, from its first byte; nil at the end of the text.
    enum Kind: Equatable {
        case object, array, string, number, bool, null
    }

    mutating func nextKind() -> Kind? {
        skipWhitespace()
        guard position < bytes.count else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: return nil
        }
    }

    /// Reads an object, calling `member` with each key; `member` must read or skip the value.
    mutating func readObject(
        depth: Int = 0, _ member: (inout JSONReader, String) throws(Malformed) -> Void
    ) throws(Malformed) {
        guard depth < Self.depthLimit else { throw malformed("nested deeper than \(Self.depthLimit) levels") }
        skipWhitespace()
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return }
        while true {
            skipWhitespace()
            let key = try readString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return }
            try expect(UInt8(ascii: ","))
        }
    }

    /// Reads an array, calling `element` for each element; `element` must read or skip it.
    mutating func readArray(depth: Int = 0, _ element: (inout JSONReader) throws(Malformed) -> Void) throws(Malformed) {
        guard depth < Self.depthLimit else { throw malformed("nested deeper than \(Self.depthLimit) levels") }
        skipWhitespace()
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return }
        while true {
            try element(&self)
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return }
            try expect(UInt8(ascii: ","))
        }
    }

    /// Reads a string, escapes decoded; a lone surrogate escape becomes U+FFFD.
    mutating func readString() throws(Malformed) -> String {
        String(decoding: try readStringBytes(), as: UTF8.self)
    }

    /// Reads a string as UTF-8 bytes, escapes decoded. A string without escapes (base64 vectors, most keys) is
    /// sliced from the body without copying byte by byte.
    mutating func readStringBytes() throws(Malformed) -> ArraySlice<UInt8> {
        skipWhitespace()
        try expect(UInt8(ascii: "\""))
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\"),
            bytes[position] >= 0x20
        {
            position += 1
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
            position += 1
            return bytes[start..<position - 1]
        }
        var text = Array(bytes[start..<position])
        while true {
            guard position < bytes.count else { throw malformed("a string is not closed") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return text[...]
            case UInt8(ascii: "\\"):
                try readEscape(into: &text)
            case 0..<0x20:
                throw malformed("a string holds a control character")
            default:
                text.append(byte)
            }
        }
    }

    /// Reads a number as written, checked against JSON's grammar.
    mutating func readNumberText() throws(Malformed) -> Substring {
        skipWhitespace()
        let start = position
        _ = take(UInt8(ascii: "-"))
        if !take(UInt8(ascii: "0")) {
            guard takeDigits() > 0 else { throw malformed("a number has no digits") }
        }
        if take(UInt8(ascii: ".")) {
            guard takeDigits() > 0 else { throw malformed("a number has no digits after its point") }
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
            guard takeDigits() > 0 else { throw malformed("a number has no digits in its exponent") }
        }
        return Substring(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    /// Reads a number that must be an integer that fits in `Int` (`3`, also `3.0` or `3e0`).
    mutating func readInt() throws(Malformed) -> Int {
        let text = try readNumberText()
        guard let value = Int(text) ?? Double(text).flatMap(Int.init(exactly:)) else {
            throw malformed("\(text) is not an integer")
        }
        return value
    }

    /// Reads a number as the nearest `Float`.
    mutating func readFloat() throws(Malformed) -> Float {
        let text = try readNumberText()
        guard let value = Float(text) else { throw malformed("\(text) is not a number") }
        return value
    }

    /// Skips one value of any kind.
    mutating func skipValue(depth: Int = 0) throws(Malformed) {
        switch nextKind() {
        case .object:
            try readObject(depth: depth + 1) { reader, _ throws(Malformed) in try reader.skipValue(depth: depth + 1) }
        case .array:
            try readArray(depth: depth + 1) { reader throws(Malformed) in try reader.skipValue(depth: depth + 1) }
        case .string: try skipString()
        case .number: skipNumber()
        case .bool: guard takeWord("true") || takeWord("false") else { throw malformed("unexpected text") }
        case .null: guard takeWord("null") else { throw malformed("unexpected text") }
        case nil: throw malformed(position < bytes.count ? "unexpected text" : "the text ends early")
        }
    }

    /// Skips a string without decoding its escapes, as `JSONDecoder` let a string it did not decode through.
    private mutating func skipString() throws(Malformed) {
        try expect(UInt8(ascii: "\""))
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"): position += 1
            case 0..<0x20: throw malformed("a string holds a control character")
            default: continue
            }
        }
        throw malformed("a string is not closed")
    }

    /// Skips the characters of a number unchecked, as `JSONDecoder` let a number it did not read through.
    private mutating func skipNumber() {
        let numberBytes = Array("0123456789+-.eE".utf8)
        while position < bytes.count, numberBytes.contains(bytes[position]) { position += 1 }
    }

    /// Checks that nothing but white space follows.
    mutating func expectEnd() throws(Malformed) {
        skipWhitespace()
        guard position == bytes.count else { throw malformed("text follows the JSON value") }
    }

    private mutating func readEscape(into text: inout [UInt8]) throws(Malformed) {
        guard position < bytes.count else { throw malformed("a string is not closed") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate takes the low one that should follow.
                var pair = self
                if pair.take(UInt8(ascii: "\\")), pair.take(UInt8(ascii: "u")), let low = try? pair.readHex4(),
                    (0xDC00..<0xE000).contains(low)
                {
                    self = pair
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
            }
            text.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
        default:
            throw malformed("a string holds an unknown escape")
        }
    }

    private mutating func readHex4() throws(Malformed) -> UInt32 {
        guard position + 4 <= bytes.count else { throw malformed("a \\u escape is cut short") }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A")) + 10
            default: throw malformed("a \\u escape holds a non-hexadecimal digit")
            }
            value = value << 4 | digit
        }
        position += 4
        return value
    }

    private mutating func skipWhitespace() {
        while position < bytes.count,
            bytes[position] == 0x20 || bytes[position] == 0x0A || bytes[position] == 0x0D || bytes[position] == 0x09
        {
            position += 1
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard take(byte) else {
            let expected = "expected \(Character(Unicode.Scalar(byte)))"
            throw malformed(position < bytes.count ? expected : "the text ends early")
        }
    }

    private mutating func takeDigits() -> Int {
        let start = position
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        while position < bytes.count, digits.contains(bytes[position]) { position += 1 }
        return position - start
    }

    private mutating func takeWord(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let matches = word.withUTF8Buffer { Array($0) == Array(bytes[position..<position + count]) }
        if matches { position += count }
        return matches
    }

    private func malformed(_ problem: String) -> Malformed {
        Malformed(message: "\(problem) at byte \(position)")
    }
}
