// ragsync — MarkdownDocument: parses markdown text into a list of blocks.

/// A markdown document parsed with cmark-gfm (tables, strikethrough and autolinks enabled).
///
/// The C tree is converted into ``MarkdownBlock`` values and freed before the initializer returns,
/// so the value is plain Swift data that can cross concurrency domains.
public struct MarkdownDocument: Sendable, Equatable {
    /// The document's blocks in source order; see ``MarkdownBlock`` for how markup is flattened.
    public var blocks: [MarkdownBlock]

    /// Creates a document from already-parsed blocks.
    /// - Parameter blocks: The blocks in source order.
    public init(blocks: [MarkdownBlock]) {
        self.blocks = blocks
    }

    /// Parses markdown text.
    ///
    /// Parsing never fails: CommonMark gives every input a meaning.
    /// - Parameter text: The markdown source, without frontmatter.
    public init(parsing text: String) {
        self.blocks = CmarkTreeConverter.blocks(parsing: text)
    }

    /// The most blocks a document is parsed into, a table counting its rows: 100,000.
    ///
    /// Each block is a value of its own through chunking (its block, its text unit, its pieces), about 200 bytes
    /// beside its text: 8 MB of one-letter paragraphs, 2.8 million blocks, peaked at 585 MB, and 250,000 empty code
    /// blocks at 107 MB; 100,000 stay under 61 MB whatever their kind. A 60,000-row table or a 50,000-item list is
    /// within it.
    public static let blockLimit = 100_000

    /// Parses markdown text unless it has more blocks than `blockLimit` (a table counting its rows).
    ///
    /// The text is parsed a piece at a time and the parse stops at the piece that passes the limit, so a text of
    /// millions of blocks costs no more memory than one of `blockLimit`.
    /// - Returns: nil for a text of more blocks.
    public init?(parsing text: String, blockLimit: Int) {
        guard let blocks = CmarkTreeConverter.blocks(parsing: text, limit: blockLimit) else { return nil }
        self.blocks = blocks
    }
}
