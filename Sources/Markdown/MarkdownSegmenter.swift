// ragsync — MarkdownSegmenter: cuts a very large markdown text into pieces parsed one at a time.

/// Splits a large markdown text into consecutive pieces that parse, each alone, into the blocks the whole would give,
/// so that cmark's tree of one piece at a time is in memory instead of the whole document's.
///
/// cmark keeps a node per table cell and per inline: a 1.6 MB file holding one table of 60,000 rows took 100 MB to
/// parse whole. Texts under ``wholeTextBytes`` are parsed whole, as before. Larger ones are cut, once a piece holds
/// ``pieceBytes``, where no block is open: before a line that starts a new top-level block after a blank line,
/// outside fenced code; and inside a long table between two rows, where the next piece repeats the table's header
/// and delimiter rows so that it is still a table with the same columns.
///
/// A text with no such place for long stretches is cut anyway, since cmark's memory grows with the inlines of one
/// block: a 1 MB line of `[` took 200 MB to parse, 2 MB of `~~a ` 220 MB. Past ``pieceLimitBytes`` a piece is cut
/// before a line at the left margin (a paragraph goes on as a new one, a list with its next item), past twice that
/// before any line, and a line longer than ``pieceLimitBytes`` is cut at spaces. Only blocks longer than
/// ``pieceLimitBytes`` are parsed differently, and their text is kept.
///
/// Lines end where CommonMark ends them: at `\n`, `\r\n` or a lone `\r`. Pieces are slices of the text, line endings
/// included (a cut table's piece starts with its header and delimiter rows).
enum MarkdownSegmenter {
    /// A piece of the text and how to parse it.
    struct Piece: Equatable {
        var text: String
        /// False when a line of the piece, outside fenced code, has more than ``tableCellLimit`` cell separators:
        /// cmark-gfm's table extension takes time quadratic in a row's cells (a 2.2 MB table of 20,000 columns took
        /// 60 s), so the piece is parsed without it and such a table's rows are indexed as text.
        var parsesTables: Bool
    }

    /// Texts up to this size are parsed whole.
    static let wholeTextBytes = 256 * 1024
    /// The size a piece grows to before it is cut at the next safe line.
    static let pieceBytes = 64 * 1024
    /// The size past which a piece is cut where no block ends (see above); also the longest line left whole.
    static let pieceLimitBytes = 128 * 1024
    /// The most `|` on one line for a piece still parsed with tables: a table of 128 columns costs cmark 0.1 ms a row.
    static let tableCellLimit = 128

    /// The pieces of `text`, in order; the text itself when it is small.
    static func pieces(of text: String) -> [Piece] {
        // Most texts have too few `|` for any line to have too many: no line is looked at.
        guard text.utf8.count > wholeTextBytes || hasTooManyCells(text.utf8) else {
            return [Piece(text: text, parsesTables: true)]
        }
        var cutter = Cutter(text: text, cuts: text.utf8.count > wholeTextBytes)
        return cutter.cut()
    }

    /// The state of one walk over a text's lines.
    private struct Cutter {
        let text: String
        /// False: the text is parsed whole, and only a line with too many cells is looked for.
        let cuts: Bool
        private var pieces: [Piece] = []
        private var pieceStart: String.Index
        /// A cut table's header and delimiter rows, which the piece starts with.
        private var prefix = ""
        private var bytesInPiece = 0
        private var parsesTables = true
        private var fence: (character: Character, length: Int)?
        /// The line before, without and with its line ending.
        private var previous: Substring?
        private var previousLine: Substring?
        /// The open table's header and delimiter rows, line endings included.
        private var table: (header: Substring, delimiter: Substring)?

        init(text: String, cuts: Bool) {
            self.text = text
            self.cuts = cuts
            self.pieceStart = text.startIndex
        }

        /// Walks the text's lines and returns its pieces.
        mutating func cut() -> [Piece] {
            var lineStart = text.startIndex
            while lineStart < text.endIndex {
                let (contentEnd, lineEnd) = MarkdownSegmenter.lineBounds(in: text, from: lineStart)
                let line = text[lineStart..<contentEnd]
                let wholeLine = text[lineStart..<lineEnd]
                // A line that opens or closes fenced code is part of the code: a piece may end before an opening
                // line (8 MB of empty fenced blocks was one piece, 369 MB to parse), never before a closing one.
                let inCode = fence != nil
                updateBlockState(line: line, wholeLine: wholeLine)
                if cuts, !inCode {
                    cutIfDue(before: line, at: lineStart)
                    if fence == nil, wholeLine.utf8.count > MarkdownSegmenter.pieceLimitBytes {
                        cutLongLine(wholeLine)
                        lineStart = lineEnd
                        continue
                    }
                }
                if parsesTables, fence == nil, MarkdownSegmenter.hasTooManyCells(line.utf8) { parsesTables = false }
                bytesInPiece += wholeLine.utf8.count
                previous = line
                previousLine = wholeLine
                lineStart = lineEnd
            }
            cut(at: text.endIndex)
            return pieces
        }

        /// Follows fenced code and tables.
        private mutating func updateBlockState(line: Substring, wholeLine: Substring) {
            if let open = fence {
                if MarkdownSegmenter.closesFence(line, open) { fence = nil }
            } else if let opened = MarkdownSegmenter.opensFence(line) {
                fence = opened
                table = nil
            } else if table != nil, MarkdownSegmenter.isBlank(line) || !line.contains("|") {
                table = nil
            } else if table == nil, let header = previous, let headerLine = previousLine, header.contains("|"),
                MarkdownSegmenter.isDelimiterRow(line)
            {
                table = (headerLine, wholeLine)
            }
        }

        /// Cuts before `line` when the piece is large enough and the line is a place to cut at.
        private mutating func cutIfDue(before line: Substring, at lineStart: String.Index) {
            guard bytesInPiece >= MarkdownSegmenter.pieceBytes else { return }
            if let table {
                // Between two rows of a long table: the next piece starts with its header again.
                if line.contains("|"), previous.map(MarkdownSegmenter.isDelimiterRow) == false,
                    previousLine != table.header
                {
                    cut(
                        at: lineStart, nextPrefix: String(table.header) + String(table.delimiter),
                        parsesTables: !MarkdownSegmenter.hasTooManyCells(table.header.utf8))
                }
            } else if previous.map(MarkdownSegmenter.isBlank) == true, MarkdownSegmenter.startsTopLevelBlock(line) {
                cut(at: lineStart)
            } else if bytesInPiece >= MarkdownSegmenter.pieceLimitBytes, MarkdownSegmenter.startsAtMargin(line) {
                cut(at: lineStart)
            } else if bytesInPiece >= 2 * MarkdownSegmenter.pieceLimitBytes {
                cut(at: lineStart)
            }
        }

        /// Ends the piece before `index`; the next starts there, after `nextPrefix`.
        private mutating func cut(
            at index: String.Index, nextPrefix: String = "", parsesTables nextParsesTables: Bool = true
        ) {
            if pieceStart < index {
                pieces.append(Piece(text: prefix + text[pieceStart..<index], parsesTables: parsesTables))
            }
            pieceStart = index
            prefix = nextPrefix
            bytesInPiece = nextPrefix.utf8.count
            parsesTables = nextParsesTables
        }

        /// Cuts before a line longer than ``pieceLimitBytes`` and makes pieces of it, each of at most ``pieceBytes``,
        /// cut after a space or tab where one is near the end.
        private mutating func cutLongLine(_ line: Substring) {
            cut(at: line.startIndex)
            var start = line.startIndex
            while start < line.endIndex {
                let end = MarkdownSegmenter.segmentEnd(in: line, from: start)
                // Sliced by Unicode scalars: the end may fall inside a character (a letter and its accent).
                let segment = Substring(line.unicodeScalars[start..<end])
                let tables = !MarkdownSegmenter.hasTooManyCells(segment.utf8)
                pieces.append(Piece(text: String(segment), parsesTables: tables))
                start = end
            }
            pieceStart = line.endIndex
            table = nil
            previous = nil
            previousLine = nil
        }
    }

    /// Where the line starting at `start` ends: before and after its line ending (`\n`, `\r\n` or `\r`).
    private static func lineBounds(
        in text: String, from start: String.Index
    ) -> (contentEnd: String.Index, lineEnd: String.Index) {
        let utf8 = text.utf8
        var index = start
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "\n") { return (index, utf8.index(after: index)) }
            if byte == UInt8(ascii: "\r") {
                let next = utf8.index(after: index)
                if next < utf8.endIndex, utf8[next] == UInt8(ascii: "\n") { return (index, utf8.index(after: next)) }
                return (index, next)
            }
            index = utf8.index(after: index)
        }
        return (utf8.endIndex, utf8.endIndex)
    }

    /// The end of the next segment of a long line: ``pieceBytes`` on, moved back to the end of a space or tab within
    /// the last 4 KB if there is one, and to the start of a Unicode scalar otherwise; the line's end when it is near.
    private static func segmentEnd(in line: Substring, from start: String.Index) -> String.Index {
        let utf8 = line.utf8
        guard var end = utf8.index(start, offsetBy: pieceBytes, limitedBy: utf8.endIndex), end < utf8.endIndex else {
            return utf8.endIndex
        }
        // A UTF-8 continuation byte is 0b10xxxxxx: step back to the scalar's first byte.
        while end > start, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        var space = end
        let searchLimit = utf8.index(end, offsetBy: -4096, limitedBy: start) ?? start
        while space > searchLimit {
            let before = utf8.index(before: space)
            if utf8[before] == UInt8(ascii: " ") || utf8[before] == UInt8(ascii: "\t") { return space }
            space = before
        }
        return end > start ? end : utf8.endIndex
    }

    /// Whether `bytes` hold more than ``tableCellLimit`` cell separators (`|`).
    private static func hasTooManyCells(_ bytes: some Sequence<UInt8>) -> Bool {
        var separators = 0
        for byte in bytes where byte == UInt8(ascii: "|") {
            separators += 1
            if separators > tableCellLimit { return true }
        }
        return false
    }

    private static func isBlank(_ line: Substring) -> Bool {
        line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
    }

    /// A line at the left margin that begins a paragraph or heading: not an indented continuation, a list item, a
    /// block quote, a table row or a link reference definition that earlier lines may need.
    private static func startsTopLevelBlock(_ line: Substring) -> Bool {
        guard let first = line.first, !isBlank(line) else { return false }
        if first == " " || first == "\t" || first == ">" || first == "|" || first == "[" { return false }
        if "-*+".contains(first), line.dropFirst().first == " " { return false }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, let after = line.dropFirst(digits.count).first, after == "." || after == ")" { return false }
        return true
    }

    /// A line that is not indented and does not finish the line before it: not a setext underline or a table's
    /// delimiter row, which would lose their heading or header row in a piece of their own.
    private static func startsAtMargin(_ line: Substring) -> Bool {
        guard let first = line.first, first != " ", first != "\t", !isBlank(line) else { return false }
        let trimmed = line.trimmingSpaces
        let isUnderline = trimmed.allSatisfy { $0 == "=" } || trimmed.allSatisfy { $0 == "-" }
        return !isUnderline && !isDelimiterRow(line)
    }

    /// A GFM delimiter row, e.g. `|---|:--:|`.
    private static func isDelimiterRow(_ line: Substring) -> Bool {
        let trimmed = line.trimmingSpaces
        guard trimmed.contains("-") else { return false }
        return trimmed.allSatisfy { "|-: \t".contains($0) }
    }

    /// The fence a line opens (three or more backticks or tildes after at most three spaces; a backtick fence's info
    /// string has no backtick, or the line is not a fence).
    private static func opensFence(_ line: Substring) -> (character: Character, length: Int)? {
        let indent = line.prefix { $0 == " " }.count
        guard indent <= 3, let character = line.dropFirst(indent).first, character == "`" || character == "~" else {
            return nil
        }
        let length = line.dropFirst(indent).prefix { $0 == character }.count
        guard length >= 3 else { return nil }
        if character == "`", line.dropFirst(indent + length).contains("`") { return nil }
        return (character, length)
    }

    private static func closesFence(_ line: Substring, _ open: (character: Character, length: Int)) -> Bool {
        let indent = line.prefix { $0 == " " }.count
        guard indent <= 3 else { return false }
        let rest = line.dropFirst(indent)
        let length = rest.prefix { $0 == open.character }.count
        return length >= open.length && isBlank(rest.dropFirst(length))
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[start...end]
    }
}
