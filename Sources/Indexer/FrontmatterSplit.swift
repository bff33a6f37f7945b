// ragsync — FrontmatterSplit: separates a YAML frontmatter block from the markdown body.

/// A file's bytes divided into optional YAML frontmatter and the markdown body.
///
/// Frontmatter is recognised only when the very first line is `---`; it ends at the next line that is
/// `---` or `...`. Trailing spaces and CRLF line ends are tolerated on both delimiter lines.
struct FrontmatterSplit {
    /// The YAML between the delimiters, or `nil` when the file has no (closed) frontmatter.
    var yaml: String?
    /// The markdown after the closing delimiter (or the whole file).
    var body: String
    /// The 1-based file line on which the YAML starts (2 when there is frontmatter).
    var yamlFirstLine: Int
    /// True when the file starts with `---` but no closing delimiter follows.
    var isUnclosed: Bool

    /// Splits `bytes`, which must already be valid UTF-8 without a BOM.
    init(_ bytes: ArraySlice<UInt8>) {
        yamlFirstLine = 2
        isUnclosed = false
        guard let firstEnd = Self.lineEnd(in: bytes, from: bytes.startIndex),
            Self.isDelimiter(bytes[bytes.startIndex..<firstEnd], allowDots: false)
        else {
            yaml = nil
            body = String(decoding: bytes, as: UTF8.self)
            return
        }
        var lineStart = firstEnd + 1
        while lineStart < bytes.endIndex {
            let end = Self.lineEnd(in: bytes, from: lineStart) ?? bytes.endIndex
            if Self.isDelimiter(bytes[lineStart..<end], allowDots: true) {
                yaml = String(decoding: bytes[(firstEnd + 1)..<lineStart], as: UTF8.self)
                body = end < bytes.endIndex ? String(decoding: bytes[(end + 1)...], as: UTF8.self) : ""
                return
            }
            lineStart = end + 1
        }
        yaml = nil
        isUnclosed = true
        body = String(decoding: bytes, as: UTF8.self)
    }

    /// Index of the next `\n` at or after `start`, or `nil` when there is none.
    private static func lineEnd(in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
    }

    /// True for `---` (or `...` when `allowDots`), followed only by spaces, tabs and a `\r`.
    private static func isDelimiter(_ line: ArraySlice<UInt8>, allowDots: Bool) -> Bool {
        guard line.count >= 3 else { return false }
        let marker = line.prefix(3)
        let isDashes = marker.allSatisfy { $0 == UInt8(ascii: "-") }
        let isDots = allowDots && marker.allSatisfy { $0 == UInt8(ascii: ".") }
        guard isDashes || isDots else { return false }
        return line.dropFirst(3).allSatisfy {
            $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r")
        }
    }
}
