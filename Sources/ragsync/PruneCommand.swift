// ragsync — `ragsync prune`: delete a model's vectors once another one is active.

import ArgumentParser
import Logging
import RagsyncKit

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete every vector of a model that is not the active one, and its vector index."
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("model"), help: "The model whose vectors to delete.")
    var model: String

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, logger: Logger(label: "ragsync.prune"))
            let deleted = try await context.pruneModel(model)
            print("pruned \(model): \(deleted) embedding(s) deleted")
        }
    }
}
