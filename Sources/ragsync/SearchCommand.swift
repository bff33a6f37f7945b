// ragsync — `ragsync search`: the top chunks for a question, as the web app would retrieve them.

import ArgumentParser
import Foundation
import Logging
import RagsyncKit

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Embed QUERY and print the nearest chunks by cosine distance."
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The question or phrase to search for.")
    var query: String

    @Option(name: .short, help: "How many chunks to print.")
    var k = 5

    @Option(name: .customLong("category"), help: "Only chunks of this frontmatter category.")
    var category: String?

    @Flag(help: "Scan exactly instead of through the vector index (to compare).")
    var exact = false

    @Flag(help: "Record the query and the retrieved chunk ids in query_logs.")
    var log = false

    func run() async throws {
        try await reportingFailures {
            guard (1...1000).contains(k) else {
                throw CommandFailure.failed("-k must be from 1 to 1000", status: 64)
            }
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, logger: Logger(label: "ragsync.search"))
            let hits = try await SearchQuery(text: query, limit: k, category: category, exact: exact).run(
                store: context.store, embedder: try context.makeEmbedder())
            if log { try await context.store.logQuery(query, retrievedChunkIds: hits.map(\.chunkId)) }
            if hits.isEmpty { print("no results (is the index empty? run `ragsync sync`)") }
            for (rank, hit) in hits.enumerated() {
                let snippet = hit.content.split(whereSeparator: \.isNewline).dropFirst().joined(separator: " ")
                print(
                    "\(rank + 1). \(hit.sourceFile) — \(hit.headingPath ?? hit.title ?? "") "
                        + "(distance \(String(format: "%.4f", hit.distance)))")
                print("   \(snippet.prefix(160))")
            }
        }
    }
}
