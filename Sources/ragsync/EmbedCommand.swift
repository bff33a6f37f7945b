// ragsync — `ragsync embed`: the configured provider's vectors for texts, to check any provider by hand.

import ArgumentParser
import FoundationEssentials
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

    @Flag(help: "Embed the texts one per call instead of in batches (to compare the provider's cost per call).")
    var oneAtATime = false

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration(needsDatabase: false)
            let embedder = try RagsyncContext.makeEmbedder(for: configuration, logger: Logger(label: "ragsync.embed"))
            var inputs = texts
            if inputs.isEmpty {
                while let line = readLine(strippingNewline: true) { inputs.append(line) }
            }
            var vectors: [[Float]] = []
            if oneAtATime {
                for input in inputs { vectors += try await embedder.embed([input]).vectors }
            } else {
                vectors = try await embedder.embed(inputs).vectors
            }
            for vector in vectors {
                print("[" + vector.map { String($0) }.joined(separator: ",") + "]")
            }
        }
    }
}
