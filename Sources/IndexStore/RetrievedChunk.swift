// ragsync — RetrievedChunk: one row a search returned.

/// One row a search returned.
public struct RetrievedChunk: Sendable {
    public var chunkId: String
    public var sourceFile: String
    public var title: String?
    public var headingPath: String?
    public var category: String?
    public var content: String
    /// Cosine similarity (1 − distance); nil for a chunk found by full text only.
    public var similarity: Double?
    /// The fused score (hybrid and text modes); the similarity in vector mode.
    public var score: Double
    public var textRank: Int?
    public var semanticRank: Int?
    /// The source (content directory) the chunk belongs to; "" for rows no source wrote.
    public var source: String = ""

    public init(
        chunkId: String, sourceFile: String, title: String?, headingPath: String?, category: String?, content: String,
        similarity: Double?, score: Double, textRank: Int?, semanticRank: Int?
    ) {
        self.chunkId = chunkId
        self.sourceFile = sourceFile
        self.title = title
        self.headingPath = headingPath
        self.category = category
        self.content = content
        self.similarity = similarity
        self.score = score
        self.textRank = textRank
        self.semanticRank = semanticRank
    }
}

