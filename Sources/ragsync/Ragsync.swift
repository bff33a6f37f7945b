// ragsync — the command-line front end: parses arguments and hands over to RagsyncKit.

import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import RagsyncKit
import Systemd

struct Ragsync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ragsync",
        abstract: "Keeps a folder of markdown files indexed in PostgreSQL + pgvector.",
        subcommands: [
            MigrateCommand.self, SyncCommand.self, WatchCommand.self, CheckCommand.self, EmbedCommand.self, StatusCommand.self,
            SearchCommand.self, SourcesCommand.self, ReembedCommand.self, ActivateCommand.self, PruneCommand.self,
        ]
    )

    /// Parses the arguments and runs the command; `RagsyncMain` calls it once the malloc settings are in place.
    ///
    /// A finished command leaves with `_exit` once its output is flushed: `exit` would run OpenSSL's atexit
    /// cleanup (registered through libpq and libcurl) while the database and HTTP threads may still be inside
    /// libcrypto, and one `ragsync migrate` in the benchmark died of exactly that (SIGSEGV in libcrypto after its
    /// work was done). Failures keep ArgumentParser's `exit(withError:)`, which prints usage and messages.
    static func runCommand() async -> Never {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
        fflush(nil)
        _exit(0)
    }
}

/// Flags shared by every subcommand; each wins over its environment variable.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("embedder"), help: "local (all-MiniLM-L6-v2 in-process) or openai (RAGSYNC_EMBEDDER; default: openai when OPENAI_API_KEY or OPENAI_BASE_URL is set, else local).")
    var embedder: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (DATABASE_URL). Prefer the variable: argv is visible to other users.")
    var databaseURL: String?

    @Option(name: .customLong("openai-base-url"), help: "OpenAI-compatible API base URL (OPENAI_BASE_URL).")
    var openAIBaseURL: String?

    @Option(name: .customLong("openai-api-key-file"), help: "File holding the API key (instead of OPENAI_API_KEY).")
    var openAIAPIKeyFile: String?

    @Option(name: .customLong("content-dir"), help: "The markdown folder (RAGSYNC_CONTENT_DIR, default ./content).")
    var contentDirectory: String?

    @Option(name: .customLong("source"), help: "The name this folder's documents are kept under (RAGSYNC_SOURCE, default host:/absolute/content/dir).")
    var source: String?

    @Option(name: .customLong("embedding-model"), help: "Embedding model (RAGSYNC_EMBEDDING_MODEL).")
    var embeddingModel: String?

    @Option(name: .customLong("embedding-dimensions"), help: "Vector dimension (RAGSYNC_EMBEDDING_DIMENSIONS).")
    var embeddingDimensions: String?

    @Option(name: .customLong("chunk-tokens"), help: "Target chunk size in tokens (RAGSYNC_CHUNK_TOKENS, default 500).")
    var chunkTokens: String?

    @Option(name: .customLong("chunk-overlap"), help: "Overlap between chunks in tokens (RAGSYNC_CHUNK_OVERLAP, default 75).")
    var chunkOverlap: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (RAGSYNC_LOG_LEVEL).")
    var logLevel: String?

    /// The flags given, to read the configuration again on reload.
    @Flag(name: .customLong("allow-mass-delete"), help: "Let this run delete any number of documents (RAGSYNC_MAX_DELETE=all); by default a pass refuses to delete more than half of 20 or more.")
    var allowMassDelete = false

    var overrides: RagsyncConfiguration.Overrides {
        var overrides = RagsyncConfiguration.Overrides()
        overrides.allowMassDelete = allowMassDelete
        overrides.embedder = embedder
        overrides.databaseURL = databaseURL
        overrides.openAIBaseURL = openAIBaseURL
        overrides.openAIAPIKeyFile = openAIAPIKeyFile
        overrides.contentDirectory = contentDirectory
        overrides.source = source
        overrides.embeddingModel = embeddingModel
        overrides.embeddingDimensions = embeddingDimensions
        overrides.chunkTargetTokens = chunkTokens
        overrides.chunkOverlapTokens = chunkOverlap
        overrides.logLevel = logLevel
        return overrides
    }

    /// The configuration, or exit status 78 with one clear message; sets up logging once.
    /// - Parameter needsDatabase: false for commands that never connect (`embed`), which then accept a missing
    ///   DATABASE_URL.
    func loadConfiguration(needsDatabase: Bool = true) throws -> RagsyncConfiguration {
        do {
            var environment = ProcessInfo.processInfo.environment
            if !needsDatabase, environment["DATABASE_URL"] == nil, databaseURL == nil {
                environment["DATABASE_URL"] = "postgresql://localhost/unused"
            }
            let configuration = try RagsyncConfiguration(environment: environment, overrides: overrides)
            LoggingSystem.bootstrap { label in
                // Native journal entries under systemd (JOURNAL_STREAM matches stderr), readable lines otherwise.
                var handler = JournalLogHandler(label: label)
                handler.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
                return handler
            }
            return configuration
        } catch {
            throw CommandFailure.configuration(error)
        }
    }
}

/// How a command ends unsuccessfully: the message printed once on stderr and the exit status.
enum CommandFailure: Error {
    case configuration(ConfigurationError)
    case failed(String, status: Int32)
}

extension AsyncParsableCommand {
    /// Runs a command's body, turning every error into one line on stderr and an exit status; no stack traces.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            switch failure {
            case .configuration(let error):
                StandardError.write("ragsync: configuration error: \(error)\n")
                throw ExitCode(ConfigurationError.exitStatus)
            case .failed(let message, let status):
                StandardError.write("ragsync: \(message)\n")
                throw ExitCode(status)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let status = RagsyncFailure.exitStatus(for: error)
            StandardError.write("ragsync: \(error)\n")
            throw ExitCode(status)
        }
    }
}
