// ragsync — `ragsync sources`: the content directories that feed the database, and removing one on purpose.

import ArgumentParser
import IndexStore
import Logging
import RagsyncKit

struct SourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "List the sources (content directories) whose documents the database holds, or remove one.",
        subcommands: [List.self, Remove.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List each source with its documents, chunks, host, folder and last full pass.")

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await reportingFailures {
                let configuration = try options.loadConfiguration()
                let context = try await RagsyncContext.open(
                    configuration: configuration, logger: Logger(label: "ragsync.sources"))
                let sources = try await context.store.sources()
                guard !sources.isEmpty else {
                    print("no sources yet: run `ragsync sync` or `ragsync watch` in a content directory")
                    return
                }
                for source in sources {
                    print(SourceLine(source, current: configuration.source).text)
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete every document of one source (its chunks, embeddings and records), on purpose.")

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The source's name, as `ragsync sources` lists it.")
        var name: String

        func run() async throws {
            try await reportingFailures {
                let configuration = try options.loadConfiguration()
                let context = try await RagsyncContext.open(
                    configuration: configuration, logger: Logger(label: "ragsync.sources"))
                guard let removed = try await context.removeSource(name) else {
                    let known = try await context.store.sources().compactMap(\.name)
                    throw CommandFailure.failed(
                        "no source is named \(name); the sources are: "
                            + (known.isEmpty ? "(none)" : known.joined(separator: ", ")),
                        status: 1)
                }
                print("removed source \(name): \(removed.documents) document(s), \(removed.chunks) chunk(s)")
            }
        }
    }
}
