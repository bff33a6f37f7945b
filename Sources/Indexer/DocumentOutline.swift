// ragsync — DocumentOutline: a document's title and headings, embedded once per document.

/// What a whole document is about, as its title and the heading path of each of its chunks in order: "Properties.
/// Stored Properties; Stored Properties, Lazy Stored Properties; Computed Properties; ...".
///
/// Retrieval ranks a chunk with the similarity of its document's outline as well: on the development set a
/// question's answer sits in the chapter whose outline names its topic more often than in the single chunk that
/// matches best (R@1 0.734 to 0.83 with the chunks' neighbours, `make eval`; heading paths in order did better than
/// every heading flat, 0.80, or the level-2 headings alone, 0.78). The outline changes only when the title or a
/// heading does, so an edit of body text, a tags-only edit or a rename embeds nothing for it.
public struct DocumentOutline: Sendable, Equatable {
    /// The text embedded: the title, a period, the heading paths separated by semicolons, within the token budget.
    public let text: String
    /// Names the text; a namespace prefix keeps it apart from chunk hashes of the same text.
    public let hash: String

    /// - Parameters:
    ///   - title: the document's title.
    ///   - chunks: its chunks, whose heading paths are listed once each, in order.
    ///   - limit: the most tokens the text may have (the chunk maximum).
    ///   - counter: how tokens are counted.
    public init(title: String, chunks: [DocumentChunk], limit: Int, counter: any TokenCounting) {
        var paths: [String] = []
        var seen: Set<String> = []
        for chunk in chunks {
            let path = chunk.headingPath.joined(separator: ", ").replacingNewlines()
            if !path.isEmpty, seen.insert(path).inserted { paths.append(path) }
        }
        var text = title.replacingNewlines()
        var tokens = counter.tokenCount(text[...])
        for (position, path) in paths.enumerated() {
            let piece = (position == 0 ? ". " : "; ") + path
            let cost = counter.tokenCount(piece[...])
            guard tokens + cost <= limit else { break }
            text += piece
            tokens += cost
        }
        self.text = text
        self.hash = Self.hash(of: text)
    }

    /// The hash of an outline text.
    public static func hash(of text: String) -> String {
        ContentHash(of: "outline\u{0}" + text).hex
    }
}
