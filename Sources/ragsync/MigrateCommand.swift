// ragsync — `ragsync migrate`: creates or upgrades the schema.

import ArgumentParser
import FoundationEssentials
import Logging
import RagsyncKit

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create what is missing in the database (tables, indexes, ragsync's bookkeeping). Never drops data."
    )

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let summary = try await Migration.run(
                configuration: configuration, logger: Logger(label: "ragsync.migrate"))
            print(summary)
        }
    }
}
