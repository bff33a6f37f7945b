// ragsync — DocumentChunk: one piece of a document as embedded and stored.

/// One chunk of a document: the exact text embedded and stored in `document_chunks.content`.
public struct DocumentChunk: Sendable, Equatable {
    /// 0-based position in the document.
    public var index: Int
    /// The enclosing headings, outermost first, e.g. ["Experience", "Acme Corp", "Staff Engineer"].
    public var headingPath: [String]
    /// Exactly the text sent to the embedding model: a context line ("Title > Heading > Subheading"),
    /// a blank line, then the body. It holds no category, tags or other frontmatter, so editing those
    /// never invalidates an embedding.
    public var text: String
    /// SHA-256 of ``text``; equal hashes mean an existing embedding can be reused.
    public var contentHash: ContentHash
    /// Token count of ``text`` by the chunker's ``TokenCounting``.
    public var tokenCount: Int

    /// Creates a chunk, hashing its text.
    /// - Parameters:
    ///   - index: 0-based position.
    ///   - headingPath: Enclosing headings.
    ///   - text: The embedded text.
    ///   - tokenCount: Tokens in `text`.
    public init(index: Int, headingPath: [String], text: String, tokenCount: Int) {
        self.index = index
        self.headingPath = headingPath
        self.text = text
        self.contentHash = ContentHash(of: text)
        self.tokenCount = tokenCount
    }
}
