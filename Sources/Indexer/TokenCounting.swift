// ragsync — TokenCounting: how the chunker measures text against the embedding model's limit.

/// Counts (or estimates) the tokens an embedding model sees for a piece of text.
///
/// Injected into ``Chunker`` so that a real tokenizer can replace the default estimate
/// (``ApproximateTokenCounter``) without touching the chunking logic.
public protocol TokenCounting: Sendable {
    /// The number of tokens in `text`.
    /// - Parameter text: Any text; called on small pieces many times, so it must be fast.
    /// - Returns: The token count; 0 for empty text, at least 1 for text with any non-whitespace.
    func tokenCount(_ text: Substring) -> Int

    /// Names the counter in ``Chunker/signature``: a new name cuts every stored document again. Spelled out rather
    /// than taken from the type, so that renaming a type does not, and the runtime's demangler stays out of the
    /// daemon's pages.
    var signatureName: String { get }
}

extension TokenCounting {
    /// The number of tokens in `text`.
    public func tokenCount(_ text: String) -> Int {
        tokenCount(Substring(text))
    }
}
