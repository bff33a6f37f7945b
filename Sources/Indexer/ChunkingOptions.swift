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

    /// The overlap never exceeds this, whatever ``overlapTokens`` says.
    public static let maximumOverlapTokens = 100

    /// Creates options.
    /// - Parameters:
    ///   - targetTokens: Typical chunk size; at least 16.
    ///   - overlapTokens: Repeated tail of the previous chunk, 50–100 recommended; at most 100 is used.
    ///   - maxTokens: Hard maximum per chunk; must be larger than `targetTokens` (about twice is best,
    ///     so content-defined boundaries are rarely overridden by the maximum).
    public init(targetTokens: Int = 500, overlapTokens: Int = 75, maxTokens: Int = 1000) {
        precondition(targetTokens >= 16, "targetTokens must be at least 16")
        precondition(maxTokens > targetTokens, "maxTokens must be larger than targetTokens")
        precondition(overlapTokens >= 0, "overlapTokens must not be negative")
        self.targetTokens = targetTokens
        self.overlapTokens = overlapTokens
        self.maxTokens = maxTokens
    }

    /// The overlap actually used.
    var effectiveOverlapTokens: Int { min(overlapTokens, Self.maximumOverlapTokens, targetTokens / 2) }
}
