// ragsync — PlainTextParagraphs: a text cut into paragraphs of bounded size, for a document read as plain text.

/// Cuts a text into paragraphs of at most a given number of UTF-8 bytes, each ending at a line end where the text
/// has one within that size, else between two Unicode scalars; white space at either end of a paragraph is dropped.
///
/// For a document of more markdown blocks than ``DocumentParser`` reads as markdown: its text is still indexed, a
/// paragraph at a time, and the chunker cuts each paragraph further by sentences and words.
enum PlainTextParagraphs {
    /// The size of the paragraphs: a few pieces of a chunk each, and few enough values for any file.
    static let byteLimit = 16 * 1024

    /// The paragraphs of `text`, in order, without empty ones.
    static func cut(_ text: String, byteLimit: Int = byteLimit) -> [String] {
        let bytes = text.utf8
        var paragraphs: [String] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = bytes.index(start, offsetBy: max(1, byteLimit), limitedBy: bytes.endIndex) ?? bytes.endIndex
            if end < bytes.endIndex {
                if let newline = bytes[start..<end].lastIndex(of: UInt8(ascii: "\n")) {
                    end = bytes.index(after: newline)
                } else {
                    // No line end within the limit: back to the start of a Unicode scalar (a continuation byte is
                    // 10xxxxxx), or on to the end of the first one when the limit is shorter than it.
                    while end > start, bytes[end] & 0xC0 == 0x80 { end = bytes.index(before: end) }
                    if end == start {
                        end = bytes.index(after: start)
                        while end < bytes.endIndex, bytes[end] & 0xC0 == 0x80 { end = bytes.index(after: end) }
                    }
                }
            }
            // Through the scalars: a String's own subscript would round a cut inside a grapheme cluster.
            let paragraph = Substring(text.unicodeScalars[start..<end]).trimmingWhitespace()
            if !paragraph.isEmpty { paragraphs.append(paragraph) }
            start = end
        }
        return paragraphs
    }
}
