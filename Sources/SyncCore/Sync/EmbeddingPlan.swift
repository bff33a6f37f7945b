// ragsync — EmbeddingPlan: which chunks of a batch must be sent to the embedding service.

/// The chunks to embed: each distinct text once, and none whose hash already has an embedding.
///
/// A chunk's hash covers exactly the text that is embedded, so an edit re-embeds only the chunks it changed, a
/// rename or a tags-only edit none, and a text repeated across documents once.
public struct EmbeddingPlan: Sendable, Equatable {
    /// Chunk hashes and texts to embed, in first-seen order.
    public var hashes: [String] = []
    public var texts: [String] = []
    /// Chunks whose embedding already exists or is embedded once for an earlier chunk of the batch.
    public var reused = 0

    /// - Parameters:
    ///   - chunks: every chunk of the batch, as (hash, embedded text).
    ///   - alreadyEmbedded: hashes with an embedding of the active model in the store (or embedded earlier in the pass).
    public init(chunks: [(hash: String, text: String)], alreadyEmbedded: Set<String>) {
        var seen = alreadyEmbedded
        for chunk in chunks where seen.insert(chunk.hash).inserted {
            hashes.append(chunk.hash)
            texts.append(chunk.text)
        }
        reused = chunks.count - texts.count
    }
}
