// ragsync — SectionPacker: packs one section's pieces into chunk texts at content-defined cut points.

/// Packs the pieces of one section into chunk texts; see ``Chunker`` for the rules.
///
/// Pieces are added one at a time and only those of the chunk being filled are kept: a section of millions of
/// pieces (8 MB of one-word paragraphs) held them all in one array, 72 bytes each, before this.
struct SectionPacker {
    /// A finished chunk's body (without the header) and the token count of header and body together.
    struct Body {
        var text: String
        var tokens: Int
    }

    let options: ChunkingOptions
    let counter: any TokenCounting
    let header: String
    /// Tokens of the context line plus its blank line.
    let headerTokens: Int
    /// The most tokens a chunk may hold (maxTokens minus a safety margin).
    let budget: Int

    /// The chunk bodies finished so far.
    private var bodies: [Body] = []
    /// The pieces of the chunk being filled.
    private var window: [TextPiece] = []
    /// Tokens of ``window``, each piece with its separator.
    private var ownTokens = 0
    /// The end of the previous chunk, repeated at the start of the next.
    private var overlap: (text: String, tokens: Int)?

    /// Chunk size, excluding the overlap, at which content-defined cuts become possible.
    private var minimumOwnTokens: Int { ownTarget / 3 }
    /// The average chunk size excluding overlap.
    private var ownTarget: Int { max(2, options.targetTokens - options.effectiveOverlapTokens) }

    init(options: ChunkingOptions, counter: any TokenCounting, header: String, headerTokens: Int, budget: Int) {
        self.options = options
        self.counter = counter
        self.header = header
        self.headerTokens = headerTokens
        self.budget = budget
    }

    /// Adds the section's next piece: the chunk being filled ends before it when it would pass the budget, and
    /// after it when it is a cut point.
    mutating func add(_ piece: TextPiece) {
        let cost = piece.tokens + 1
        if !window.isEmpty, headerTokens + (overlap?.tokens ?? 0) + ownTokens + cost > budget {
            emitWindow()
        }
        if window.isEmpty, let current = overlap, headerTokens + current.tokens + cost > budget {
            overlap = nil
        }
        ownTokens += cost
        window.append(piece)
        if ownTokens >= minimumOwnTokens && isCutPoint(piece, cost: cost) {
            emitWindow()
        }
    }

    /// Ends the last chunk and returns every chunk body of the section.
    mutating func finish() -> [Body] {
        emitWindow()
        defer { bodies = [] }
        return bodies
    }

    /// Ends the chunk being filled; its tail is the next one's overlap.
    private mutating func emitWindow() {
        guard !window.isEmpty else { return }
        bodies.append(contentsOf: body(window[...], overlap: overlap))
        overlap = tail(of: window[...])
        window.removeAll(keepingCapacity: true)
        ownTokens = 0
    }

    /// True when the piece's hash falls in a range proportional to its size: on average one cut point per
    /// `ownTarget - minimumOwnTokens` tokens. (Pieces are whole paragraphs, so a cut lands on average
    /// part of a piece later than that; measured chunk sizes average about the target.)
    private func isCutPoint(_ piece: TextPiece, cost: Int) -> Bool {
        let spread = UInt64(max(1, ownTarget - minimumOwnTokens + ownTarget / 6))
        let scale: UInt64 = 1 << 32
        return (StableHash.of(piece.text) % scale) * spread < UInt64(cost) * scale
    }

    /// Builds the chunk body; if header and body would somehow exceed `maxTokens`, drops the overlap, then halves.
    private func body(_ pieces: ArraySlice<TextPiece>, overlap: (text: String, tokens: Int)?) -> [Body] {
        var text = ""
        if let overlap, let first = pieces.first {
            text += overlap.text
            text += first.separator
        }
        text += Self.join(pieces)
        let tokens = counter.tokenCount(header + "\n\n" + text)
        if tokens <= options.maxTokens || (overlap == nil && pieces.count == 1) {
            return [Body(text: text, tokens: tokens)]
        }
        if overlap != nil { return body(pieces, overlap: nil) }
        guard pieces.count > 1 else { return [Body(text: text, tokens: tokens)] }
        let middle = pieces.startIndex + pieces.count / 2
        return body(pieces[..<middle], overlap: nil) + body(pieces[middle...], overlap: nil)
    }

    /// The last pieces, sentences or words of a chunk, within the overlap budget.
    private func tail(of pieces: ArraySlice<TextPiece>) -> (text: String, tokens: Int)? {
        let limit = options.effectiveOverlapTokens
        guard limit > 0 else { return nil }
        var first = pieces.endIndex
        var tokens = 0
        while first > pieces.startIndex, tokens + pieces[first - 1].tokens + 1 <= limit {
            first -= 1
            tokens += pieces[first].tokens + 1
        }
        var text: String
        if first < pieces.endIndex {
            text = Self.join(pieces[first...])
        } else {
            text = tailSegments(of: pieces[pieces.endIndex - 1].text, limit: limit)
        }
        guard !text.isEmpty else { return nil }
        let counted = counter.tokenCount(text)
        return counted <= limit ? (text, counted) : nil
    }

    /// The trailing sentences of `text` within `limit` tokens, else its trailing words.
    private func tailSegments(of text: Substring, limit: Int) -> String {
        for boundary in [TextSplitting.Boundary.sentence, .word] {
            let segments = TextSplitting.segments(of: text, by: boundary)
            var first = segments.endIndex
            var tokens = 0
            while first > segments.startIndex {
                let cost = counter.tokenCount(segments[first - 1].text) + 1
                if tokens + cost > limit { break }
                tokens += cost
                first -= 1
            }
            if first < segments.endIndex {
                return String(text[segments[first].text.startIndex...])
            }
        }
        return ""
    }

    /// Pieces joined by their separators; the first piece's separator is dropped.
    static func join(_ pieces: ArraySlice<TextPiece>) -> String {
        var text = ""
        for (offset, piece) in pieces.enumerated() {
            if offset > 0 { text += piece.separator }
            text += piece.text
        }
        return text
    }
}
