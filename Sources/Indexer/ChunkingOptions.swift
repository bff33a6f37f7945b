// ragsync — ChunkingOptions: the token budgets the chunker works to.

/// Token budgets for ``Chunker``, in tokens as measured by its ``TokenCounting``.
public struct ChunkingOptions: Sendable, Equatable {
    /// The typical chunk size. Chunk boundaries are content-defined, so sizes vary around this value.
    public var targetTokens: Int
    /// How much of the previous chunk's tail is repeated at the start of the next chunk of a section,
    /// so that a passage cut by a boundary is still retrievable whole. Clamped to ``maximumOverlapTokens``.
    public var overlapTokens: Int
    /// The hard maximum for a chunk's whole text (context line included). Kept well under the embedding
    /// model's 8191-token limit because token counts are estimates.
    public var maxTokens: Int
    /// The most tokens of the document's one-line description repeated in every chunk's embedded text (frontmatter
    /// `description` or `summary`, else the lead paragraph of a short document); 0 leaves it out.
    public var contextTokens: Int

    /// The overlap never exceeds this, whatever ``overlapTokens`` says.
    public static let maximumOverlapTokens = 100

    /// The largest ``maxTokens`` chosen by default: well under the 8,191 tokens OpenAI's embedding models read,
    /// because token counts are estimates.
    public static let largestDefaultMaxTokens = 7000

    /// The default hard maximum for a target: twice the target (so content-defined boundaries are rarely overridden
    /// by the maximum), at least 1,000 and at most ``largestDefaultMaxTokens``.
    public static func defaultMaxTokens(forTarget targetTokens: Int) -> Int {
        min(max(2 * targetTokens, 1000), largestDefaultMaxTokens)
    }

    /// Creates options.
    /// - Parameters:
    ///   - targetTokens: Typical chunk size; at least 16.
    ///   - overlapTokens: Repeated tail of the previous chunk, 50–100 recommended; at most 100 is used.
    ///   - maxTokens: Hard maximum per chunk; must be larger than `targetTokens`. By default
    ///     ``defaultMaxTokens(forTarget:)``.
    /// - Throws: ``ChunkingOptionsError`` when the budgets contradict each other; settings come from users, so this
    ///   is an error to report, never a trap.
    public init(
        targetTokens: Int = 500, overlapTokens: Int = 75, maxTokens: Int? = nil, contextTokens: Int = 48
    ) throws(ChunkingOptionsError) {
        let maxTokens = maxTokens ?? Self.defaultMaxTokens(forTarget: targetTokens)
        guard targetTokens >= 16 else { throw ChunkingOptionsError("the target (\(targetTokens)) must be at least 16") }
        guard maxTokens > targetTokens else {
            throw ChunkingOptionsError("the target (\(targetTokens)) must be below the chunk maximum (\(maxTokens))")
        }
        guard overlapTokens >= 0 else { throw ChunkingOptionsError("the overlap (\(overlapTokens)) must not be negative") }
        guard (0...maxTokens / 4).contains(contextTokens) else {
            throw ChunkingOptionsError(
                "the description budget (\(contextTokens)) must be from 0 to a quarter of the chunk maximum (\(maxTokens / 4))")
        }
        self.contextTokens = contextTokens
        self.targetTokens = targetTokens
        self.overlapTokens = overlapTokens
        self.maxTokens = maxTokens
    }

    /// The defaults: a 500-token target, a 75-token overlap, at most 1,000 tokens.
    public static let standard = ChunkingOptions(uncheckedTarget: 500, overlap: 75, maxTokens: 1000)

    private init(uncheckedTarget: Int, overlap: Int, maxTokens: Int) {
        self.contextTokens = 48
        self.targetTokens = uncheckedTarget
        self.overlapTokens = overlap
        self.maxTokens = maxTokens
    }

    /// The overlap actually used.
    var effectiveOverlapTokens: Int { min(overlapTokens, Self.maximumOverlapTokens, targetTokens / 2) }
}

/// Chunking budgets that contradict each other, e.g. a target above the maximum.
public struct ChunkingOptionsError: Error, CustomStringConvertible, Equatable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
