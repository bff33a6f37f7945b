// ragsync — TextSplitting: cuts text units into pieces small enough to pack into chunks.

/// A piece of a unit: the smallest thing the chunker places, never split further.
struct TextPiece {
    /// The piece's text (a slice of the unit, so no copy is made).
    var text: Substring
    /// What precedes the piece when it follows another piece in the same chunk: "\n\n" between blocks,
    /// the original whitespace between sentences or words, "" inside a word cut for length.
    var separator: Substring
    /// Tokens in ``text``.
    var tokens: Int
}

/// Splits text at sentence, then word, then character boundaries.
///
/// Splitting is local: the pieces of a unit depend only on that unit's text, and word groups end at
/// content-defined words, so an edit changes only the pieces around it.
struct TextSplitting {
    let counter: any TokenCounting
    /// Largest piece, in tokens.
    let limit: Int

    /// Word groups end after a word whose hash is 0 mod this, once they hold ``wordGroupMinimum`` tokens.
    private static let wordGroupModulus: UInt64 = 8
    private static let wordGroupMinimum = 16
    private var wordGroupMaximum: Int { min(64, limit) }

    /// Appends the pieces of one unit: the whole unit if it fits, else its sentences, else word groups.
    func appendPieces(of text: Substring, separator: Substring, to pieces: inout [TextPiece]) {
        let tokens = counter.tokenCount(text)
        if tokens <= limit {
            pieces.append(TextPiece(text: text, separator: separator, tokens: tokens))
            return
        }
        let sentences = Self.segments(of: text, by: .sentence)
        guard sentences.count > 1 else {
            appendWordGroups(of: text, separator: separator, to: &pieces)
            return
        }
        for (position, sentence) in sentences.enumerated() {
            let sentenceSeparator = position == 0 ? separator : sentence.separator
            let sentenceTokens = counter.tokenCount(sentence.text)
            if sentenceTokens <= limit {
                pieces.append(TextPiece(text: sentence.text, separator: sentenceSeparator, tokens: sentenceTokens))
            } else {
                appendWordGroups(of: sentence.text, separator: sentenceSeparator, to: &pieces)
            }
        }
    }

    /// Groups words into pieces of at most ``wordGroupMaximum`` tokens, ending groups at content-defined words.
    private func appendWordGroups(of text: Substring, separator: Substring, to pieces: inout [TextPiece]) {
        let words = Self.segments(of: text, by: .word)
        var groupStart: Substring.Index?
        var groupEnd = text.startIndex
        var groupSeparator = separator
        var groupTokens = 0

        func flush() {
            guard let start = groupStart else { return }
            let piece = text[start..<groupEnd]
            pieces.append(TextPiece(text: piece, separator: groupSeparator, tokens: counter.tokenCount(piece)))
            groupStart = nil
            groupTokens = 0
        }

        for (position, word) in words.enumerated() {
            let wordSeparator = position == 0 ? separator : word.separator
            let wordTokens = counter.tokenCount(word.text)
            if wordTokens > wordGroupMaximum {
                flush()
                appendCharacterPieces(of: word.text, separator: wordSeparator, to: &pieces)
                continue
            }
            if groupStart != nil && groupTokens + wordTokens > wordGroupMaximum { flush() }
            if groupStart == nil {
                groupStart = word.text.startIndex
                groupSeparator = wordSeparator
            }
            groupEnd = word.text.endIndex
            groupTokens += wordTokens
            if groupTokens >= Self.wordGroupMinimum && StableHash.of(word.text) % Self.wordGroupModulus == 0 {
                flush()
            }
        }
        flush()
    }

    /// Cuts a word with no spaces (a URL, base64, a minified line) into consecutive pieces within the limit.
    private func appendCharacterPieces(of word: Substring, separator: Substring, to pieces: inout [TextPiece]) {
        let scalars = word.unicodeScalars
        var start = scalars.startIndex
        var pieceSeparator = separator
        var span = wordGroupMaximum * 4
        while start < scalars.endIndex {
            let end = scalars.index(start, offsetBy: span, limitedBy: scalars.endIndex) ?? scalars.endIndex
            let piece = word[start..<end]
            let tokens = counter.tokenCount(piece)
            if tokens > wordGroupMaximum && span > 1 {
                span = max(1, span / 2)
                continue
            }
            pieces.append(TextPiece(text: piece, separator: pieceSeparator, tokens: tokens))
            pieceSeparator = ""
            start = end
        }
    }

    /// A segment of text with the whitespace that preceded it.
    struct Segment {
        var separator: Substring
        var text: Substring
    }

    /// Where ``segments(of:by:)`` cuts.
    enum Boundary {
        /// After `.`, `!`, `?` followed by whitespace, after CJK `。！？`, and at line breaks.
        case sentence
        /// At every whitespace run.
        case word
    }

    /// Splits `text` into segments, each keeping the whitespace before it as its separator.
    static func segments(of text: Substring, by boundary: Boundary) -> [Segment] {
        let utf8 = text.utf8
        var segments: [Segment] = []
        var separatorStart = utf8.startIndex
        var bodyStart = utf8.startIndex
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            let segmentEnd: Substring.Index?
            switch boundary {
            case .word: segmentEnd = isWhitespace(byte) ? index : nil
            case .sentence: segmentEnd = byte == UInt8(ascii: "\n") ? index : sentenceEnd(utf8, at: index)
            }
            guard let segmentEnd else {
                index = utf8.index(after: index)
                continue
            }
            if bodyStart < segmentEnd {
                segments.append(Segment(separator: text[separatorStart..<bodyStart], text: text[bodyStart..<segmentEnd]))
                separatorStart = segmentEnd
            }
            var next = segmentEnd
            while next < utf8.endIndex, isWhitespace(utf8[next]) { next = utf8.index(after: next) }
            bodyStart = next
            index = next  // always past `index`: a boundary is whitespace or ends after its terminator
        }
        if bodyStart < utf8.endIndex {
            segments.append(Segment(separator: text[separatorStart..<bodyStart], text: text[bodyStart...]))
        }
        return segments
    }

    /// Ends a sentence after `.`, `!` or `?` followed by whitespace, and after CJK `。！？`.
    static func sentenceEnd(_ utf8: Substring.UTF8View, at index: Substring.Index) -> Substring.Index? {
        let byte = utf8[index]
        if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") {
            let next = utf8.index(after: index)
            return next < utf8.endIndex && isWhitespace(utf8[next]) ? next : nil
        }
        if byte == 0xE3 || byte == 0xEF {
            var bytes: [UInt8] = []
            var cursor = index
            while bytes.count < 3, cursor < utf8.endIndex {
                bytes.append(utf8[cursor])
                cursor = utf8.index(after: cursor)
            }
            if bytes == [0xE3, 0x80, 0x82] || bytes == [0xEF, 0xBC, 0x81] || bytes == [0xEF, 0xBC, 0x9F] {
                return cursor
            }
        }
        return nil
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    /// `line` whole when it fits in `limit` tokens, else its leading words that do (possibly none), joined by spaces.
    static func leadingWords(of line: String, within limit: Int, counter: any TokenCounting) -> String {
        guard counter.tokenCount(line) > limit else { return line }
        var kept = ""
        for word in segments(of: Substring(line), by: .word) {
            let candidate = kept.isEmpty ? String(word.text) : kept + " " + word.text
            if counter.tokenCount(candidate) > limit { break }
            kept = candidate
        }
        return kept
    }
}
