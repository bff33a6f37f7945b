// ragsync — `ragsync status`: what the database holds.

import ArgumentParser
import Logging
import RagsyncKit

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show this source's documents, chunks and documents in error, embeddings per model and the sources."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(name: .customLong("json"), help: "Print one JSON object (the same facts) for monitoring scripts.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, logger: Logger(label: "ragsync.status"))
            let report = StatusReport(configuration: configuration, store: try await context.store.status())
            if json {
                print(report.json())
            } else {
                for line in report.lines { print(line) }
            }
        }
    }
}
