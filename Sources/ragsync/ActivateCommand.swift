// ragsync — `ragsync activate`: the model searches use.

import ArgumentParser
import Logging
import RagsyncKit

struct ActivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Make a model the one the SQL query functions and `ragsync search` use.",
        discussion: """
            One row in ragsync_settings; effective for the next query. Refused while chunks have no vector of the \
            model (run `ragsync reembed --model NAME` first) unless --allow-missing. Point the daemon at the model \
            too (RAGSYNC_EMBEDDING_MODEL, then restart) so that new chunks get its vectors.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The model's name, as `ragsync status` lists it.")
    var model: String

    @Flag(name: .customLong("allow-missing"), help: "Activate although some chunks have no vector of the model yet.")
    var allowMissing = false

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, logger: Logger(label: "ragsync.activate"))
            let previous = try await context.activateModel(model, allowMissing: allowMissing)
            print("active model: \(model) (was \(previous ?? "none"))")
            if configuration.embeddingModel != model {
                print("note: this configuration embeds with \(configuration.embeddingModel); set RAGSYNC_EMBEDDING_MODEL=\(model) for the daemon and `ragsync search`")
            }
        }
    }
}
