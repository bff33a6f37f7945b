// ragsync — LocalEmbeddingProvider: all-MiniLM-L6-v2 in-process as an EmbeddingProvider.

public import Embedding
import ThreadExecutor

/// Embeds texts with all-MiniLM-L6-v2 in this process: no network, no API key, no Python.
///
/// The actor's methods run on a thread of its own (a `DedicatedThreadExecutor`), so inference never occupies Swift's
/// cooperative pool; each forward pass spreads its steps over that thread and libdispatch's worker threads, one per
/// processor (see ``MiniLMModel``).
/// Texts are embedded in passes of at most `MiniLMModel.maxRowsPerPass` token rows, shortest texts first; cancelling
/// the calling task stops before the next pass.
public actor LocalEmbeddingProvider: EmbeddingProvider {
    /// `all-MiniLM-L6-v2`.
    public nonisolated let model = MiniLMModel.name
    /// 384.
    public nonisolated let dimensions = MiniLMModel.dimensions
    /// The model's tokeniser: `count(_:)` gives a text's wordpieces, of which the model sees at most
    /// `WordPieceTokenizer.maxWordpieces`.
    public nonisolated let tokenizer: WordPieceTokenizer
    /// The directory the model was loaded from.
    public nonisolated let modelDirectory: String

    private nonisolated let executor: DedicatedThreadExecutor
    private let miniLM: MiniLMModel

    /// Runs the actor's methods on the provider's own thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Loads the model; takes a fraction of a second (90 MB of weights).
    /// - Parameters:
    ///   - modelDirectory: a directory with `model.safetensors` and `vocab.txt`, e.g. from
    ///     `LocalModelLocator.locate(projectRoot:environment:)`.
    ///   - threadCount: threads per forward pass; by default one per processor, at most 8.
    /// - Throws: `LocalModelError` naming the missing or damaged file and how to install the model.
    public init(modelDirectory: String, threadCount: Int? = nil) throws(LocalModelError) {
        let miniLM = try MiniLMModel(directory: modelDirectory, threadCount: threadCount)
        self.miniLM = miniLM
        self.tokenizer = miniLM.tokenizer
        self.modelDirectory = modelDirectory
        self.executor = DedicatedThreadExecutor(name: "ragsync-local-embed")
    }

    /// Loads the model from where `LocalModelLocator` finds it.
    /// - Parameters:
    ///   - projectRoot: the directory holding `.venv`; by default the current directory.
    ///   - environment: where `RAGSYNC_LOCAL_MODEL_DIR` is read; nil for the process's environment.
    /// - Throws: `LocalModelError` naming where it looked and how to install the model.
    public init(
        projectRoot: String? = nil,
        environment: [String: String]? = nil
    ) throws(LocalModelError) {
        try self.init(modelDirectory: LocalModelLocator.locate(projectRoot: projectRoot, environment: environment))
    }

    /// Embeds texts in order.
    ///
    /// `promptTokens` is the sum of the texts' wordpieces (`tokenizer.count`, before truncation, without
    /// `[CLS]`/`[SEP]`); `requestCount` is the number of forward passes.
    /// - Parameter texts: any texts; each is truncated to 256 tokens.
    /// - Returns: one L2-normalised 384-dimensional vector per text.
    /// - Throws: `EmbeddingError.Code.cancelled` when the task is cancelled between passes.
    public func embed(_ texts: [String]) async throws(EmbeddingError) -> EmbeddingResponse {
        var response = EmbeddingResponse(vectors: [], promptTokens: 0, requestCount: 0)
        var sequences: [[Int]] = []
        sequences.reserveCapacity(texts.count)
        for text in texts {
            let pieces = tokenizer.wordpieces(text)
            response.promptTokens += pieces.count
            sequences.append(
                [tokenizer.classifierID] + pieces.prefix(WordPieceTokenizer.maxWordpieces) + [tokenizer.separatorID]
            )
        }
        var passes = 0
        response.vectors = try miniLM.embed(tokenIDs: sequences) { () throws(EmbeddingError) in
            if Task.isCancelled {
                throw EmbeddingError(
                    code: .cancelled, serverURL: serverDescription, detail: "the task was cancelled", attempts: passes
                )
            }
            passes += 1
        }
        response.requestCount = passes
        return response
    }

    /// How errors name this provider in place of a server URL.
    private nonisolated var serverDescription: String { "local \(model) (\(modelDirectory))" }
}
