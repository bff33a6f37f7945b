// ragsync — EmptyResultReason: why a search found nothing.

/// Why a search found nothing, so the message can say what to do.
public enum EmptyResultReason: Sendable, Equatable {
    /// How many embeddings one model has.
    public struct ModelCount: Sendable, Equatable {
        public var model: String
        public var count: Int
    }

    /// No chunks at all: nothing is indexed.
    case noDocuments
    /// Chunks exist but none has an embedding of this model; the models that have some, with counts.
    case noEmbeddings(model: String, otherModels: [ModelCount])
    /// The filter matches no chunk; the categories that exist.
    case filterMatchesNothing(categories: [String])
    /// None of the above: the query matched nothing (text mode).
    case noMatch
}
