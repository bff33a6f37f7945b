// ragsync — `ragsync status`: what the database holds.

import ArgumentParser
import Logging
import RagsyncKit

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show documents, chunks, embeddings per model and documents in error, from the database."
    )

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, logger: Logger(label: "ragsync.status"))
            let report = try await StatusReport.load(from: context.client)
            for (name, value) in configuration.redactedDescription { print("\(name): \(value)") }
            for line in report.lines { print(line) }
            // The database holds every source's documents; these lines say whose they are.
            for source in try await context.store.sources() {
                print("source \(SourceLine(source, current: configuration.source).text)")
            }
        }
    }
}
