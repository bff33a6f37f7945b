// ragsync — EmbeddingProvider: what the indexer needs from an embedding service.

/// A service that turns texts into vectors.
///
/// Conforming types are `Sendable` so one provider can be shared by every task of the indexer.
public protocol EmbeddingProvider: Sendable {
    /// The model name sent to the service, e.g. `text-embedding-3-small`.
    var model: String { get }
    /// The number of dimensions of every returned vector.
    var dimensions: Int { get }
    /// Embeds texts in order.
    ///
    /// Splits `texts` into requests by the provider's input-count limit and token budget.
    /// - Parameter texts: the texts to embed; an empty array sends no request.
    /// - Returns: one vector per text, in the order of `texts`.
    /// - Throws: `EmbeddingError` once retries are exhausted, on a permanent error, or when the task is cancelled.
    func embed(_ texts: [String]) async throws(EmbeddingError) -> EmbeddingResponse
}

/// The result of `EmbeddingProvider.embed(_:)`.
public struct EmbeddingResponse: Sendable {
    /// One vector per input text, in input order.
    public var vectors: [[Float]]
    /// Tokens the service counted for the inputs (its `usage.prompt_tokens`), summed over requests.
    public var promptTokens: Int
    /// Number of successful requests (batches) it took.
    public var requestCount: Int
    /// Number of failed attempts that were retried on the way (for metrics and STATUS).
    public var retryCount: Int

    /// Creates a response.
    /// - Parameters:
    ///   - vectors: one vector per input text, in input order.
    ///   - promptTokens: tokens counted by the service.
    ///   - requestCount: successful requests it took.
    ///   - retryCount: failed attempts that were retried.
    public init(vectors: [[Float]], promptTokens: Int, requestCount: Int, retryCount: Int = 0) {
        self.vectors = vectors
        self.promptTokens = promptTokens
        self.requestCount = requestCount
        self.retryCount = retryCount
    }
}
