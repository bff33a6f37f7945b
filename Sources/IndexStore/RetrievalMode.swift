// ragsync — RetrievalMode: how a search ranks.

/// How ``RetrievalFunctions/search(on:request:)`` ranks.
public enum RetrievalMode: String, Sendable, CaseIterable {
    /// Reciprocal rank fusion of the vector ranking and full text.
    case hybrid
    /// Cosine distance alone (`match_document_chunks`).
    case vector
    /// Full text alone (`hybrid_search_document_chunks` with no semantic weight).
    case text
}

