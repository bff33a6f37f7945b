// ragsync — UTF8Validation: finds the first byte that PostgreSQL text could not store.

/// The first problem found in a file's bytes.
enum ByteProblem: Equatable {
    case nulByte(offset: Int)
    case invalidUTF8(offset: Int)
}

/// Byte-level checks done before any text processing.
enum UTF8Validation {
    /// Scans `bytes` once for NUL bytes and ill-formed UTF-8 (overlong forms, surrogates, > U+10FFFF, truncation).
    /// - Parameter bytes: The file content.
    /// - Returns: The first problem, or `nil` when the bytes are NUL-free UTF-8.
    static func firstProblem(in bytes: [UInt8]) -> ByteProblem? {
        bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            var index = 0
            while index < count {
                let lead = buffer[index]
                if lead < 0x80 {
                    if lead == 0 { return .nulByte(offset: index) }
                    index += 1
                    continue
                }
                var low: UInt8 = 0x80
                var high: UInt8 = 0xBF
                let trailing: Int
                switch lead {
                case 0xC2...0xDF: trailing = 1
                case 0xE0: trailing = 2; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: trailing = 2
                case 0xED: trailing = 2; high = 0x9F
                case 0xF0: trailing = 3; low = 0x90
                case 0xF1...0xF3: trailing = 3
                case 0xF4: trailing = 3; high = 0x8F
                default: return .invalidUTF8(offset: index)
                }
                guard index + trailing < count else { return .invalidUTF8(offset: index) }
                let second = buffer[index + 1]
                guard second >= low && second <= high else { return .invalidUTF8(offset: index) }
                var next = 2
                while next <= trailing {
                    guard buffer[index + next] & 0xC0 == 0x80 else { return .invalidUTF8(offset: index) }
                    next += 1
                }
                index += trailing + 1
            }
            return nil
        }
    }

    /// The 1-based line holding byte `offset`.
    static func line(ofByte offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        for byte in bytes[..<min(offset, bytes.count)] where byte == UInt8(ascii: "\n") {
            line += 1
        }
        return line
    }
}
