// ragsync — `ragsync check`: is the index complete, current and accurate? Changes nothing.

import ArgumentParser
import Logging
import RagsyncKit

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare the database with the content directory and the vector index with exact search.",
        discussion: "Exit status 0 when they match, 1 when documents are missing, stale or orphaned. Changes nothing."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Stored chunks used as queries for recall@10.")
    var samples = 50

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, logger: Logger(label: "ragsync.check"))
            let check = try await IndexCheck.run(context: context, samples: samples)
            for line in check.lines { print(line) }
            if check.hasDrift {
                throw CommandFailure.failed("the database differs from the content directory; run `ragsync sync`", status: 1)
            }
        }
    }
}
