// ragsync — MarkdownSegmenter: cuts a very large markdown text into pieces parsed one at a time.

/// Splits a large markdown text into consecutive pieces that parse, each alone, into the blocks the whole would give,
/// so that cmark's tree of one piece at a time is in memory instead of the whole document's.
///
/// cmark keeps a node per table cell and per inline: a 1.6 MB file holding one table of 60,000 rows took 100 MB to
/// parse whole. Texts under ``wholeTextBytes`` are parsed whole, as before. Larger ones are cut, once a piece holds
/// ``pieceBytes``, only where no block is open: before a line that starts a new top-level block after a blank line,
/// outside fenced code; and inside a long table between two rows, where the next piece repeats the table's header
/// and delimiter rows so that it is still a table with the same columns.
enum MarkdownSegmenter {
    /// Texts up to this size are parsed whole.
    static let wholeTextBytes = 256 * 1024
    /// The size a piece grows to before it is cut at the next safe line.
    static let pieceBytes = 64 * 1024

    /// The pieces of `text`, in order; the text itself when it is small or has no safe place to cut.
    static func pieces(of text: String) -> [String] {
        guard text.utf8.count > wholeTextBytes else { return [text] }
        var pieces: [String] = []
        var piece: [Substring] = []
        var pieceBytes = 0
        var fence: (character: Character, length: Int)?
        var previous: Substring?
        var table: (header: Substring, delimiter: Substring)?

        func cut() {
            pieces.append(piece.joined(separator: "\n"))
            piece.removeAll(keepingCapacity: true)
            pieceBytes = 0
        }

        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let open = fence {
                if Self.closesFence(line, open) { fence = nil }
            } else if let opened = Self.opensFence(line) {
                fence = opened
                table = nil
            } else if table != nil, Self.isBlank(line) || !line.contains("|") {
                table = nil
            } else if table == nil, let header = previous, header.contains("|"), Self.isDelimiterRow(line) {
                table = (header, line)
            }

            if pieceBytes >= Self.pieceBytes, fence == nil {
                if let table, line.contains("|"), previous.map(Self.isDelimiterRow) == false, previous != table.header {
                    // Between two rows of a long table: the next piece starts with its header again.
                    cut()
                    piece = [table.header, table.delimiter]
                    pieceBytes = table.header.utf8.count + table.delimiter.utf8.count + 2
                } else if table == nil, previous.map(Self.isBlank) == true, Self.startsTopLevelBlock(line) {
                    cut()
                }
            }
            piece.append(line)
            pieceBytes += line.utf8.count + 1
            previous = line
        }
        if !piece.isEmpty { cut() }
        return pieces
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

    /// A GFM delimiter row, e.g. `|---|:--:|`.
    private static func isDelimiterRow(_ line: Substring) -> Bool {
        let trimmed = line.trimmingSpaces
        guard trimmed.contains("-") else { return false }
        return trimmed.allSatisfy { "|-: \t".contains($0) }
    }

    /// The fence a line opens (three or more backticks or tildes after at most three spaces).
    private static func opensFence(_ line: Substring) -> (character: Character, length: Int)? {
        let indent = line.prefix { $0 == " " }.count
        guard indent <= 3, let character = line.dropFirst(indent).first, character == "`" || character == "~" else {
            return nil
        }
        let length = line.dropFirst(indent).prefix { $0 == character }.count
        return length >= 3 ? (character, length) : nil
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
