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
}
