// ragsync — StatusReport: `ragsync status` as lines for people and as JSON for monitoring scripts.

public import IndexStore
import Indexer

/// The settings in force (secrets masked) and what the database holds for this source, in the two forms
/// `ragsync status` prints. Both carry the same facts.
public struct StatusReport: Sendable {
    public var settings: [(name: String, value: String)]
    public var source: String
    public var store: StoreStatus

    public init(configuration: RagsyncConfiguration, store: StoreStatus) {
        self.settings = configuration.redactedDescription.map { (name: $0.0, value: $0.1) }
        self.source = configuration.source
        self.store = store
    }

    /// The report as printed.
    public var lines: [String] {
        var lines = settings.map { "\($0.name): \($0.value)" }
        lines += ["documents: \(store.documents)", "chunks: \(store.chunks)"]
        if store.embeddingsByModel.isEmpty { lines.append("embeddings: none") }
        for embeddings in store.embeddingsByModel {
            lines.append("embeddings (\(embeddings.model)): \(embeddings.count)")
        }
        for model in store.models {
            var line = "model \(model.name): \(model.dimensions) dimensions"
            if model.isActive { line += ", active (searched)" }
            if model.chunksMissing > 0 { line += ", \(model.chunksMissing) chunk(s) without a vector (ragsync reembed)" }
            lines.append(line)
        }
        lines.append("last indexed: \(store.lastIndexed ?? "never")")
        if store.unmanagedSourceFiles > 0 {
            lines.append(
                "unmanaged: \(store.unmanagedSourceFiles) source file(s) with rows ragsync did not write (kept as they are)")
        }
        lines.append("documents in error: \(store.failures.count)")
        for failure in store.failures { lines.append("  \(failure.path): \(failure.error)") }
        for summary in store.sources { lines.append("source \(SourceLine(summary, current: source).text)") }
        return lines
    }

    /// The report as one JSON object (keys sorted), for scripts. Every key is always there: an unknown value is
    /// `null`, not left out.
    public func json() -> String {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var embeddings: [String: JSONValue] = [:]
        for entry in store.embeddingsByModel { embeddings[entry.model] = .int(entry.count) }
        let object: [String: JSONValue] = [
            "settings": .object(Dictionary(settings.map { ($0.name, .string($0.value)) }, uniquingKeysWith: { _, last in last })),
            "source": .string(source),
            "documents": .int(store.documents),
            "chunks": .int(store.chunks),
            "embeddings": .object(embeddings),
            "models": .array(
                store.models.map {
                    .object([
                        "name": .string($0.name), "dimensions": .int($0.dimensions), "embeddings": .int($0.embeddings),
                        "chunks_missing": .int($0.chunksMissing), "active": .bool($0.isActive),
                    ])
                }),
            "last_indexed": optional(store.lastIndexed),
            "unmanaged_source_files": .int(store.unmanagedSourceFiles),
            "documents_in_error": .array(
                store.failures.map { .object(["path": .string($0.path), "error": .string($0.error)]) }),
            "sources": .array(
                store.sources.map {
                    .object([
                        "name": optional($0.name), "host": optional($0.host), "content_dir": optional($0.contentDirectory),
                        "last_seen": optional($0.lastSeen), "documents": .int($0.documents), "chunks": .int($0.chunks),
                        "current": .bool($0.name == source),
                    ])
                }),
        ]
        return JSONValue.object(object).jsonText
    }
}
