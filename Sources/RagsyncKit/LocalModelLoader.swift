// ragsync — LocalModelLoader: finds and loads the in-process embedding model for the configuration.

import FoundationEssentials
public import Indexer
import LocalEmbedding

/// Loads all-MiniLM-L6-v2 from `RAGSYNC_LOCAL_MODEL_DIR`; else from where `make install` put it beside the binary
/// (`PREFIX/share/ragsync/models/all-MiniLM-L6-v2` for `PREFIX/bin/ragsync`: an installed service runs from `/` as a
/// dynamic user); else from the `.venv` of the project in the current directory or of the checkout the binary was
/// built in (`…/.build/debug/ragsync`).
enum LocalModelLoader {
    /// - Throws: `ConfigurationError` naming RAGSYNC_LOCAL_MODEL_DIR, where it looked and how to install the model.
    static func load(_ configuration: RagsyncConfiguration) throws(ConfigurationError) -> LocalEmbeddingProvider {
        var environment: [String: String] = [:]
        if let directory = configuration.localModelDirectory { environment[LocalModelLocator.environmentVariable] = directory }
        // The running binary, links resolved (a PATH lookup leaves argv[0] without a directory).
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? ""
        if configuration.localModelDirectory == nil, let installed = LocalModelLocator.installedDirectory(forExecutable: executable) {
            do {
                return try LocalEmbeddingProvider(modelDirectory: installed)
            } catch {
                throw ConfigurationError(
                    setting: "RAGSYNC_EMBEDDER=local (the model installed at \(installed))",
                    problem: error.description + "; reinstall it with `make install`, or set RAGSYNC_LOCAL_MODEL_DIR")
            }
        }
        var roots = [FileManager.default.currentDirectoryPath]
        if let range = executable.firstRange(of: "/.build/") { roots.append(String(executable[..<range.lowerBound])) }
        var firstError: LocalModelError?
        for root in roots {
            do {
                let directory = try LocalModelLocator.locate(projectRoot: root, environment: environment)
                return try LocalEmbeddingProvider(modelDirectory: directory)
            } catch {
                firstError = firstError ?? error
                if configuration.localModelDirectory != nil { break }
            }
        }
        throw ConfigurationError(
            setting: "RAGSYNC_EMBEDDER=local (RAGSYNC_LOCAL_MODEL_DIR)",
            problem: (firstError?.description ?? "the local model was not found")
                + "; or use an OpenAI-compatible server with OPENAI_BASE_URL / OPENAI_API_KEY")
    }
}

/// Counts the local model's own wordpieces, so chunks are sized in what the model reads.
public struct WordPieceTokenCounter: TokenCounting {
    let tokenizer: WordPieceTokenizer

    public var signatureName: String { "WordPieceTokenCounter" }

    public func tokenCount(_ text: Substring) -> Int {
        tokenizer.count(String(text))
    }
}
