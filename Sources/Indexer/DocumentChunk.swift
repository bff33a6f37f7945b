// ragsync — DocumentChunk: one piece of a document as embedded and as stored.

/// One chunk of a document: the text embedded, and the text stored in `document_chunks.content`.
public struct DocumentChunk: Sendable, Equatable {
    /// 0-based position in the document.
    public var index: Int
    /// The enclosing headings, outermost first, e.g. ["Experience", "Acme Corp", "Staff Engineer"].
    public var headingPath: [String]
    /// Exactly the text sent to the embedding model: a context line ("Title > Heading > Subheading"), the
    /// document's one-line description when it has one, a blank line, then the body. It holds no category, tags or
    /// other frontmatter keys, so editing those never invalidates an embedding.
    public var text: String
    /// What the web app shows its model (`document_chunks.content`): the context line, a blank line, the body.
    /// The description is left out here: it is the same for every chunk of the document.
    public var content: String
    /// SHA-256 of ``text``; equal hashes mean an existing embedding can be reused.
    public var contentHash: ContentHash
    /// Token count of ``text`` by the chunker's ``TokenCounting``.
    public var tokenCount: Int

    /// Creates a chunk, hashing its embedded text.
    /// - Parameters:
    ///   - index: 0-based position.
    ///   - headingPath: Enclosing headings.
    ///   - text: The embedded text.
    ///   - content: The stored text; the embedded text when nil.
    ///   - tokenCount: Tokens in `text`.
    public init(index: Int, headingPath: [String], text: String, content: String? = nil, tokenCount: Int) {
        self.index = index
        self.headingPath = headingPath
        self.text = text
        self.content = content ?? text
        self.contentHash = ContentHash(of: text)
        self.tokenCount = tokenCount
    }
}
