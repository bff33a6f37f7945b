// ragsync — `ragsync embed`: the configured provider's vectors for texts, to check any provider by hand.

import ArgumentParser
import Foundation
import Logging
import RagsyncKit

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the embedding of each TEXT (or of each line of standard input) as a JSON array.",
        discussion: "Uses the configured embedder (--embedder); needs no database."
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "Texts to embed; without any, one per line from standard input.")
    var texts: [String] = []

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration(needsDatabase: false)
            let embedder = try RagsyncContext.makeEmbedder(for: configuration, logger: Logger(label: "ragsync.embed"))
            var inputs = texts
            if inputs.isEmpty {
                while let line = readLine(strippingNewline: true) { inputs.append(line) }
            }
            let response = try await embedder.embed(inputs)
            for vector in response.vectors {
                print("[" + vector.map { String($0) }.joined(separator: ",") + "]")
            }
        }
    }
}
