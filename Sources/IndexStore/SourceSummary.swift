// ragsync — SourceSummary: one content directory feeding the database, as `ragsync sources` lists it.

/// One source in `ragsync sources`.
public struct SourceSummary: Sendable, Equatable {
    /// Nil for documents no source owns yet.
    public var name: String?
    public var host: String?
    public var contentDirectory: String?
    /// When it last ran a full pass, ISO 8601 in UTC.
    public var lastSeen: String?
    public var documents: Int
    public var chunks: Int
}
