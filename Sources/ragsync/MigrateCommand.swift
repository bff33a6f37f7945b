// ragsync — `ragsync migrate`: creates or upgrades the schema.

import ArgumentParser
import Foundation
import Logging
import RagsyncKit

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create what is missing in the database (tables, indexes, ragsync's bookkeeping). Never drops data."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(name: .customLong("resize-empty"), help: "Resize an EMPTY chunk_embeddings.embedding column to --embedding-dimensions.")
    var resizeEmpty = false

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let summary = try await Migration.run(
                configuration: configuration, resizeEmptyEmbeddings: resizeEmpty,
                logger: Logger(label: "ragsync.migrate"))
            print(summary)
        }
    }
}
