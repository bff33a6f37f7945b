// ragsync — Chunker: splits a parsed document into embeddable chunks with stable, content-defined boundaries.

/// Splits a ``ParsedDocument`` into ``DocumentChunk``s.
///
/// Goals, in order: no chunk above ``ChunkingOptions/maxTokens``; chunks that make sense alone; and
/// boundaries that do not move when unrelated text changes, so that an edit re-embeds only the chunks
/// it touches.
///
/// How:
/// 1. **Sections.** Headings are hard boundaries. Each chunk's text starts with a context line,
///    "Title > Heading > Subheading", then a blank line, then the body.
/// 2. **Pieces.** Each block (paragraph, list item, code block, table row) is a piece; a block larger than
///    half the target is cut into sentences, a sentence into content-defined word groups, a word into
///    runs of characters.
/// 3. **Content-defined cuts.** Pieces are packed in order. Once a chunk holds a minimum (half of the target
///    minus the overlap), a cut follows a piece when that piece's own hash says so, with probability
///    proportional to its size, so chunks average the target. Because the decision depends on the piece,
///    not on its position, an inserted or edited paragraph shifts boundaries only until the next cut point
///    both versions share: typically the edited chunk and one neighbour change. A forced cut before
///    ``ChunkingOptions/maxTokens`` is the only position-dependent rule.
/// 4. **Overlap.** Each chunk after the first in a section starts with the tail of the previous chunk's
///    body (whole pieces, else sentences, else words; at most ``ChunkingOptions/overlapTokens``).
///
/// Time and memory are linear in the document size; every piece is counted a bounded number of times.
public struct Chunker: Sendable {
    /// The budgets.
    public var options: ChunkingOptions
    /// How tokens are counted.
    public var counter: any TokenCounting

    /// Tokens kept free under `maxTokens`, for the separators between pieces and the counter's
    /// non-additivity (counting joined pieces can differ slightly from the sum of their counts).
    private static let safetyMargin = 8

    /// Creates a chunker.
    /// - Parameters:
    ///   - options: Token budgets.
    ///   - counter: Token counter; the default estimates OpenAI cl100k_base.
    public init(options: ChunkingOptions = .standard, counter: any TokenCounting = ApproximateTokenCounter()) {
        self.options = options
        self.counter = counter
    }

    /// Splits a document into chunks.
    /// - Parameter document: The parsed document; only its title and blocks are used.
    /// - Returns: Chunks in document order, indexed from 0; none for a document without body text.
    public func chunks(for document: ParsedDocument) -> [DocumentChunk] {
        var chunks: [DocumentChunk] = []
        for section in ChunkSection.sections(from: document.blocks) {
            let header = contextLine(title: document.title, headingPath: section.headingPath)
            let packer = SectionPacker(
                options: options,
                counter: counter,
                header: header,
                headerTokens: counter.tokenCount(header) + 1,
                budget: options.maxTokens - Self.safetyMargin
            )
            let splitting = TextSplitting(counter: counter, limit: pieceLimit(headerTokens: packer.headerTokens))
            var pieces: [TextPiece] = []
            for unit in section.units {
                splitting.appendPieces(of: Substring(unit.text), separator: unit.separator, to: &pieces)
            }
            for body in packer.pack(pieces) {
                chunks.append(
                    DocumentChunk(
                        index: chunks.count,
                        headingPath: section.headingPath,
                        text: body.text,
                        tokenCount: body.tokens
                    )
                )
            }
        }
        return chunks
    }

    /// The largest piece: half the target, and small enough that context line + overlap + piece always fit.
    private func pieceLimit(headerTokens: Int) -> Int {
        let room = options.maxTokens - Self.safetyMargin - headerTokens - options.effectiveOverlapTokens - 1
        return max(1, min(options.targetTokens / 2, room))
    }

    /// "Title > Heading > Subheading", with a first heading equal to the title not repeated, and cut
    /// to a quarter of `maxTokens` so that an absurd heading cannot crowd out the body.
    private func contextLine(title: String, headingPath: [String]) -> String {
        var path = headingPath
        if path.first == title { path.removeFirst() }
        let line = ([title] + path).map { $0.replacingNewlines() }.joined(separator: " > ")
        let limit = options.maxTokens / 4
        guard counter.tokenCount(line) > limit else { return line }
        var kept = ""
        for word in TextSplitting.segments(of: Substring(line), by: .word) {
            let candidate = kept.isEmpty ? String(word.text) : kept + " " + word.text
            if counter.tokenCount(candidate) > limit { break }
            kept = candidate
        }
        return kept.isEmpty ? String(line.unicodeScalars.prefix(limit / 3)) : kept
    }
}
