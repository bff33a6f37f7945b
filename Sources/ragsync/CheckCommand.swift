// ragsync — `ragsync check`: is the index complete, current and accurate? Changes nothing.

import ArgumentParser
import Logging
import RagsyncKit

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare the database with the content directory and the vector index with exact search.",
        discussion: """
            Exit status 0 when they match, 1 when documents are missing, stale, orphaned or damaged (rows edited or \
            deleted by hand). Changes nothing unless --repair is given.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Stored chunks used as queries for recall@10.")
    var samples = 50

    @Flag(help: "When anything differs, run one full reconcile (as `ragsync sync` does) and check again.")
    var repair = false

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, logger: Logger(label: "ragsync.check"))
            var check = try await IndexCheck.run(context: context, samples: samples)
            for line in check.lines { print(line) }
            if check.hasDrift && repair {
                let summary = try await context.makeSyncEngine().reconcile()
                print("repair:")
                for line in summary.lines { print("  " + line) }
                _ = try await context.maintainVectorIndex(after: summary)
                check = try await IndexCheck.run(context: context, samples: samples)
                print("after the repair:")
                for line in check.lines { print("  " + line) }
            }
            if check.hasDrift {
                throw CommandFailure.failed("the database differs from the content directory; run `ragsync sync`", status: 1)
            }
        }
    }
}
