// ragsync — EmptyResultReason: why a search found nothing.

/// Why a search found nothing, so the message can say what to do.
public enum EmptyResultReason: Sendable, Equatable {
    /// No chunks at all: nothing is indexed.
    case noDocuments
    /// Chunks exist but none has an embedding of this model; the models that have some, with counts.
    case noEmbeddings(model: String, otherModels: [(model: String, count: Int)])
    /// The filter matches no chunk; the categories that exist.
    case filterMatchesNothing(categories: [String])
    /// None of the above: the query matched nothing (text mode).
    case noMatch

    public static func == (lhs: EmptyResultReason, rhs: EmptyResultReason) -> Bool {
        switch (lhs, rhs) {
        case (.noDocuments, .noDocuments), (.noMatch, .noMatch): return true
        case (.noEmbeddings(let a, let x), .noEmbeddings(let b, let y)):
            return a == b && x.map(\.model) == y.map(\.model) && x.map(\.count) == y.map(\.count)
        case (.filterMatchesNothing(let a), .filterMatchesNothing(let b)): return a == b
        default: return false
        }
    }
}

