// ragsync — StatusReport: `ragsync status` as lines for people and as JSON for monitoring scripts.

import Foundation
public import IndexStore

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

    /// The report as one JSON object (keys in snake case, sorted), for scripts.
    public func json() throws -> String {
        let document = Document(
            settings: Dictionary(settings.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
            source: source, documents: store.documents, chunks: store.chunks,
            embeddings: Dictionary(
                store.embeddingsByModel.map { ($0.model, $0.count) }, uniquingKeysWith: { first, second in first + second }),
            lastIndexed: store.lastIndexed, unmanagedSourceFiles: store.unmanagedSourceFiles,
            documentsInError: store.failures.map { Document.Failure(path: $0.path, error: $0.error) },
            sources: store.sources.map {
                Document.Source(
                    name: $0.name, host: $0.host, contentDir: $0.contentDirectory, lastSeen: $0.lastSeen,
                    documents: $0.documents, chunks: $0.chunks, current: $0.name == source)
            })
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    /// The JSON shape. Optional values are written as null, not left out, so scripts can rely on every key.
    private struct Document: Encodable {
        struct Failure: Encodable {
            var path: String
            var error: String
        }

        struct Source: Encodable {
            var name: String?
            var host: String?
            var contentDir: String?
            var lastSeen: String?
            var documents: Int
            var chunks: Int
            var current: Bool

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(name, forKey: .name)
                try container.encode(host, forKey: .host)
                try container.encode(contentDir, forKey: .contentDir)
                try container.encode(lastSeen, forKey: .lastSeen)
                try container.encode(documents, forKey: .documents)
                try container.encode(chunks, forKey: .chunks)
                try container.encode(current, forKey: .current)
            }

            enum CodingKeys: String, CodingKey {
                case name, host, contentDir, lastSeen, documents, chunks, current
            }
        }

        var settings: [String: String]
        var source: String
        var documents: Int
        var chunks: Int
        var embeddings: [String: Int]
        var lastIndexed: String?
        var unmanagedSourceFiles: Int
        var documentsInError: [Failure]
        var sources: [Source]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(settings, forKey: .settings)
            try container.encode(source, forKey: .source)
            try container.encode(documents, forKey: .documents)
            try container.encode(chunks, forKey: .chunks)
            try container.encode(embeddings, forKey: .embeddings)
            try container.encode(lastIndexed, forKey: .lastIndexed)
            try container.encode(unmanagedSourceFiles, forKey: .unmanagedSourceFiles)
            try container.encode(documentsInError, forKey: .documentsInError)
            try container.encode(sources, forKey: .sources)
        }

        enum CodingKeys: String, CodingKey {
            case settings, source, documents, chunks, embeddings, lastIndexed, unmanagedSourceFiles, documentsInError
            case sources
        }
    }
}
