// ragsync — Chunker: splits a parsed document into embeddable chunks with stable, content-defined boundaries.

/// Splits a ``ParsedDocument`` into ``DocumentChunk``s.
///
/// Goals, in order: no chunk above ``ChunkingOptions/maxTokens``; chunks that make sense alone; and
/// boundaries that do not move when unrelated text changes, so that an edit re-embeds only the chunks
/// it touches.
///
/// How:
/// 1. **Sections.** A document that fits in one chunk stays one chunk. Otherwise consecutive small sections are
///    packed together up to the target (their headings become lines of the body), a section is never split
///    across two groups, and a section larger than the target is cut alone. Each chunk's text starts with a context
///    line, "Title > Heading > Subheading" (the headings its sections share), then a blank line, then the body. The
///    embedded text also carries the document's description (``DocumentDescription``) under the context line.
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

    /// Names how this chunker cuts: the algorithm's version, the budgets and the token counter. Stored with each
    /// document; a document cut with another signature is cut again even when its file did not change (chunks whose
    /// embedded text comes out the same keep their embeddings).
    public var signature: String {
        "chunker 5; target \(options.targetTokens), overlap \(options.overlapTokens), max \(options.maxTokens), "
            + "context \(options.contextTokens); \(counter.signatureName)"
    }

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

    /// The document's outline (title and its chunks' heading paths), embedded once per document, within the chunk
    /// maximum.
    public func outline(for document: ParsedDocument, chunks: [DocumentChunk]) -> DocumentOutline {
        DocumentOutline(title: document.title, chunks: chunks, limit: options.maxTokens - Self.safetyMargin, counter: counter)
    }

    /// Splits a document into chunks.
    /// - Parameter document: The parsed document; only its title and blocks are used.
    /// - Returns: Chunks in document order, indexed from 0; none for a document without body text.
    public func chunks(for document: ParsedDocument) -> [DocumentChunk] {
        let sections = ChunkSection.sections(from: document.blocks)
        let sizes = sections.map(tokens(of:))
        let documentTokens = sizes.reduce(0, +)
        let description = DocumentDescription(
            of: document, limit: options.contextTokens,
            leadParagraphUpTo: Self.leadParagraphDocumentTargets * options.targetTokens,
            documentTokens: documentTokens, counter: counter)
        // A document that fits in one chunk stays one chunk.
        if documentTokens <= options.maxTokens - Self.safetyMargin,
            let whole = packedChunk(of: sections, title: document.title, description: description, index: 0)
        {
            return [whole]
        }
        var chunks: [DocumentChunk] = []
        let grouping = SectionGrouping(
            sizes: sizes, cutKeys: sections.map(\.cutKey), headingPaths: sections.map(\.headingPath),
            target: options.targetTokens)
        for group in grouping.groups {
            if group.isPacked {
                chunks += packedChunks(
                    of: sections[group.range], title: document.title, description: description, firstIndex: chunks.count)
                continue
            }
            for section in sections[group.range] {
                chunks += splitChunks(of: section, title: document.title, description: description, firstIndex: chunks.count)
            }
        }
        return chunks
    }

    /// A group of small sections as one chunk or, when its text passes the maximum after all, as its two halves, each
    /// packed the same way. Group sizes count each section's own heading, but a packed chunk names the headings it
    /// does not share in full: 30,000 small sections six levels deep overflowed every group, and cutting each
    /// overflowing group into single sections made 20,775 chunks (640 MB to index); halving keeps them near the
    /// maximum.
    private func packedChunks(
        of sections: ArraySlice<ChunkSection>, title: String, description: DocumentDescription, firstIndex: Int
    ) -> [DocumentChunk] {
        if let chunk = packedChunk(of: Array(sections), title: title, description: description, index: firstIndex) {
            return [chunk]
        }
        guard sections.count > 1 else {
            return sections.flatMap { splitChunks(of: $0, title: title, description: description, firstIndex: firstIndex) }
        }
        let middle = sections.startIndex + sections.count / 2
        let first = packedChunks(of: sections[..<middle], title: title, description: description, firstIndex: firstIndex)
        return first
            + packedChunks(
                of: sections[middle...], title: title, description: description, firstIndex: firstIndex + first.count)
    }

    /// A document shorter than this many targets gets its lead paragraph as description when its frontmatter has
    /// none. Longer documents go without: the lead paragraph would be in every chunk's embedded text, so an edit to
    /// it would re-embed the whole document, and their heading paths carry the context.
    static let leadParagraphDocumentTargets = 4

    /// Tokens of a section's units and heading line, as it stands in a packed chunk.
    private func tokens(of section: ChunkSection) -> Int {
        section.units.reduce(counter.tokenCount(section.headingPath.last ?? "") + 1) {
            $0 + counter.tokenCount($1.text) + 1
        }
    }

    /// Sections packed into one chunk: the context line names the headings they share, and each section whose
    /// headings go further starts with a line naming the rest. Nil when the result exceeds the maximum after all.
    private func packedChunk(
        of sections: [ChunkSection], title: String, description: DocumentDescription, index: Int
    ) -> DocumentChunk? {
        guard let first = sections.first else { return nil }
        var shared = first.headingPath
        for section in sections.dropFirst() {
            shared = Array(zip(shared, section.headingPath).prefix { $0 == $1 }.map(\.0))
        }
        var body = ""
        for section in sections {
            let rest = section.headingPath.dropFirst(shared.count)
            var text = rest.isEmpty ? "" : rest.joined(separator: " > ") + "\n"
            for (position, unit) in section.units.enumerated() {
                if position > 0 { text += unit.separator }
                text += unit.text
            }
            body += body.isEmpty ? text : "\n\n" + text
        }
        let line = contextLine(title: title, headingPath: shared)
        let header = description.header(contextLine: line, body: body)
        let text = header + "\n\n" + body
        let tokens = counter.tokenCount(text)
        guard tokens <= options.maxTokens else { return nil }
        return DocumentChunk(
            index: index, headingPath: shared, text: text, content: line + "\n\n" + body, tokenCount: tokens)
    }

    /// A section larger than the target, cut at content-defined points.
    private func splitChunks(
        of section: ChunkSection, title: String, description: DocumentDescription, firstIndex: Int
    ) -> [DocumentChunk] {
        let line = contextLine(title: title, headingPath: section.headingPath)
        let header = description.header(contextLine: line, body: "")
        var packer = SectionPacker(
            options: options,
            counter: counter,
            header: header,
            headerTokens: counter.tokenCount(header) + 1,
            budget: options.maxTokens - Self.safetyMargin
        )
        let splitting = TextSplitting(counter: counter, limit: pieceLimit(headerTokens: packer.headerTokens))
        // A unit's pieces at a time: the packer keeps only those of the chunk it fills.
        var pieces: [TextPiece] = []
        for unit in section.units {
            splitting.appendPieces(of: Substring(unit.text), separator: unit.separator, to: &pieces)
            for piece in pieces { packer.add(piece) }
            pieces.removeAll(keepingCapacity: true)
        }
        return packer.finish().enumerated().map { offset, body in
            DocumentChunk(
                index: firstIndex + offset,
                headingPath: section.headingPath,
                text: header + "\n\n" + body.text,
                content: line + "\n\n" + body.text,
                tokenCount: body.tokens
            )
        }
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
        let kept = TextSplitting.leadingWords(of: line, within: limit, counter: counter)
        return kept.isEmpty ? String(line.unicodeScalars.prefix(limit / 3)) : kept
    }
}
