// ragsync — `ragsync search`: the top chunks for a question, as the web app would retrieve them.

import ArgumentParser
import FoundationEssentials
import IndexStore
import Indexer
import Logging
import RagsyncKit
import Systemd

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Embed QUERY and print the best chunks, through the same SQL functions the web app calls."
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The question or phrase to search for.")
    var query: String

    @Option(name: .short, help: "How many chunks to print.")
    var k = 5

    @Option(name: .customLong("category"), help: "Only chunks of this frontmatter category.")
    var category: String?

    @Option(name: .customLong("mode"), help: "hybrid (vector and full text fused), vector or text.")
    var modeName = SearchQuery.defaultMode.rawValue

    @Flag(help: "Only the best chunk of each document.")
    var documents = false

    @Flag(help: "One JSON object per result line, for scripts.")
    var json = false

    @Flag(help: "Scan exactly instead of through the vector index (vector mode, to compare).")
    var exact = false

    @Flag(help: "Record the query and the retrieved chunk ids in query_logs.")
    var log = false

    @Flag(help: "Search the configured model's vectors although another model is the active one (to compare models).")
    var compare = false

    func run() async throws {
        try await reportingFailures {
            guard (1...1000).contains(k) else {
                throw CommandFailure.failed("-k must be from 1 to 1000", status: 64)
            }
            guard let mode = RetrievalMode(rawValue: modeName) else {
                throw CommandFailure.failed("--mode \(modeName) is not one of hybrid, vector, text", status: 64)
            }
            guard !exact || mode == .vector else {
                throw CommandFailure.failed("--exact compares the vector ranking: use it with --mode vector", status: 64)
            }
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, logger: Logger(label: "ragsync.search"))
            // The question is embedded with the configured model, so it must be the one searched.
            if let active = try await context.catalog.activeModel(), active != configuration.embeddingModel, !compare {
                throw CommandFailure.failed(
                    "the active model, which searches use, is \(active) (`ragsync activate`), but this configuration "
                        + "embeds questions with \(configuration.embeddingModel): set RAGSYNC_EMBEDDING_MODEL=\(active) "
                        + "with its embedder settings, or pass --compare to search \(configuration.embeddingModel)'s "
                        + "vectors instead",
                    status: 78)
            }
            let search = SearchQuery(
                text: query, limit: k, category: category, mode: mode, onePerDocument: documents, exact: exact)
            let outcome = try await search.run(store: context.store, embedder: try context.makeEmbedder())
            if log { try await context.store.logQuery(query, retrievedChunkIds: outcome.hits.map(\.chunkId)) }
            if let reason = outcome.emptyReason {
                StandardError.write("ragsync: \(reason.message)\n")
            }
            for (rank, hit) in outcome.hits.enumerated() {
                print(json ? jsonLine(hit, rank: rank + 1) : textLines(hit, rank: rank + 1, mode: mode))
            }
        }
    }

    private func textLines(_ hit: RetrievedChunk, rank: Int, mode: RetrievalMode) -> String {
        let snippet = hit.content.split(whereSeparator: \.isNewline).dropFirst().joined(separator: " ")
        let similarity = hit.similarity.map { "similarity " + $0.fixedPoint(4) }
        let fused = mode == .vector ? nil : "score " + hit.score.fixedPoint(5)
        let figures = [similarity, fused].compactMap { $0 }.joined(separator: ", ")
        return "\(rank). \(hit.sourceFile) — \(hit.headingPath.flatMap { $0.isEmpty ? nil : $0 } ?? hit.title ?? "") "
            + "(\(figures))\n   \(snippet.prefix(160))"
    }

    private func jsonLine(_ hit: RetrievedChunk, rank: Int) -> String {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
        let object: [String: JSONValue] = [
            "rank": .int(rank), "chunk_id": .string(hit.chunkId), "source_file": .string(hit.sourceFile),
            "source": .string(hit.source),
            "document_title": optional(hit.title), "heading_path": optional(hit.headingPath),
            "category": optional(hit.category), "content": .string(hit.content), "similarity": number(hit.similarity),
            "score": .double(hit.score), "text_rank": hit.textRank.map(JSONValue.int) ?? .null,
            "semantic_rank": hit.semanticRank.map(JSONValue.int) ?? .null,
        ]
        return JSONValue.object(object).jsonText
    }
}
