// ragsync — MiniLMModel: all-MiniLM-L6-v2 sentence embeddings, tokeniser and encoder together.

import COpenBLAS
import FoundationEssentials
import Synchronization

/// The sentence-transformers model all-MiniLM-L6-v2, run in-process: WordPiece tokenisation (truncated at 256
/// tokens), the BERT forward pass in float32 over OpenBLAS, mean pooling and L2 normalisation — 384 dimensions.
///
/// Loading reads `model.safetensors` and `vocab.txt` from the model directory (see ``LocalModelLocator``). The
/// instance is immutable and `embed` may be called from several threads, though each call already uses
/// `threadCount` threads. `embed` blocks the calling thread; call it off Swift's cooperative pool (as
/// ``LocalEmbeddingProvider`` does).
public final class MiniLMModel: Sendable {
    /// The model's name, as stored with its embeddings.
    public static let name = "all-MiniLM-L6-v2"
    /// The size of every embedding.
    public static let dimensions = 384
    /// A forward pass covers at most this many token rows (two texts of the full 256 tokens, or many short ones);
    /// larger batches are split.
    ///
    /// It bounds the activations' memory (about 15 KB per row, 8 MB in all), which is allocated once and reused.
    /// Every linear layer is still one matrix product over all of a pass's rows: on the Swift book's chunks
    /// (`make bench-local`) passes of 4,096 rows embedded 7,851-8,322 wordpieces/s by length group, of 512 rows
    /// 8,179-8,683.
    public static let maxRowsPerPass = 512

    /// The model's tokeniser, also for counting wordpieces when sizing chunks.
    public let tokenizer: WordPieceTokenizer
    /// The directory the model was loaded from.
    public let directory: String
    /// Threads each forward pass is spread over.
    public let threadCount: Int
    private let encoder: BertEncoder
    /// Workspaces not in use, each for `maxRowsPerPass` rows: one per thread that has called `embed` at once.
    private let idleWorkspaces = Mutex<[BertWorkspace]>([])

    /// Loads the model.
    ///
    /// Sets OpenBLAS to one thread per call (process-wide): the model spreads each step over `threadCount` threads
    /// itself, which is faster than OpenBLAS's own threading for these matrix sizes.
    /// - Parameters:
    ///   - directory: a directory with `model.safetensors` and `vocab.txt`.
    ///   - threadCount: threads per forward pass; by default one per processor, at most 8.
    /// - Throws: `LocalModelError` naming the missing or damaged file (and tensor).
    public init(directory: String, threadCount: Int? = nil) throws(LocalModelError) {
        try LocalModelLocator.checkModelFiles(in: directory)
        let weightsFile = try SafetensorsFile(contentsOf: directory + "/" + LocalModelLocator.weightsFileName)
        let weights = try BertWeights(file: weightsFile, configuration: .miniLML6)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/" + LocalModelLocator.vocabularyFileName)
        guard tokenizer.vocabularySize == BertConfiguration.miniLML6.vocabularySize else {
            throw LocalModelError(
                code: .malformedVocabulary, path: directory + "/" + LocalModelLocator.vocabularyFileName,
                detail: "it has \(tokenizer.vocabularySize) tokens; the model has "
                    + "\(BertConfiguration.miniLML6.vocabularySize)",
                advice: LocalModelError.installAdvice
            )
        }
        var message = [CChar](repeating: 0, count: 512)
        guard ragsync_openblas_load(&message, message.count) else {
            throw LocalModelError(
                code: .blasUnavailable, path: "libopenblas.so.0",
                detail: String(decoding: message.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self),
                advice: "Install OpenBLAS (`apt install libopenblas0`), or embed with an OpenAI-compatible server "
                    + "(OPENAI_BASE_URL).")
        }
        self.tokenizer = tokenizer
        self.directory = directory
        self.threadCount = max(1, threadCount ?? min(8, ProcessInfo.processInfo.activeProcessorCount))
        self.encoder = BertEncoder(weights: weights, workerCount: self.threadCount)
    }

    /// Embeds texts; blocks the calling thread.
    /// - Parameter texts: any texts; each is truncated to `WordPieceTokenizer.maxSequenceLength` tokens.
    /// - Returns: one L2-normalised vector of `dimensions` values per text, in order.
    public func embed(_ texts: [String]) -> [[Float]] {
        embed(tokenIDs: texts.map(tokenizer.encode))
    }

    /// Embeds texts already tokenised by ``tokenizer``; blocks the calling thread.
    ///
    /// The sequences are packed without padding and run in passes of at most `maxRowsPerPass` token rows, shortest
    /// first (see ``passes(lengths:maxRows:)``).
    /// - Parameter tokenIDs: one sequence per text, as `WordPieceTokenizer.encode` returns (with `[CLS]`/`[SEP]`).
    /// - Returns: one L2-normalised vector per sequence, in order.
    /// - Precondition: every sequence has at most 512 ids, each below the vocabulary size.
    public func embed(tokenIDs: [[Int]]) -> [[Float]] {
        embed(tokenIDs: tokenIDs, beforeEachPass: {})
    }

    /// ``embed(tokenIDs:)``, calling `beforeEachPass` before each forward pass (to count passes, or to stop between
    /// them by throwing).
    func embed<Failure: Error>(
        tokenIDs: [[Int]], beforeEachPass: () throws(Failure) -> Void
    ) throws(Failure) -> [[Float]] {
        var vectors = [[Float]](repeating: [], count: tokenIDs.count)
        for pass in Self.passes(lengths: tokenIDs.map(\.count), maxRows: Self.maxRowsPerPass) {
            try beforeEachPass()
            for (index, vector) in zip(pass, embedPass(pass.map { tokenIDs[$0] })) { vectors[index] = vector }
        }
        return vectors
    }

    /// Embeds one pass's sequences (at most `maxRowsPerPass` rows in all) in a reused workspace; blocks.
    private func embedPass(_ sequences: [[Int]]) -> [[Float]] {
        let workspace =
            idleWorkspaces.withLock { $0.popLast() }
            ?? BertWorkspace(
                rows: Self.maxRowsPerPass, configuration: encoder.weights.configuration, workers: threadCount,
                longest: WordPieceTokenizer.maxSequenceLength
            )
        defer { idleWorkspaces.withLock { $0.append(workspace) } }
        return encoder.embed(sequences, reusing: workspace)
    }

    /// Groups a batch into passes of at most `maxRows` rows, each a list of indices into `lengths`: shortest first,
    /// so each pass holds sequences of similar lengths (its attention steps split evenly over the threads, and its
    /// score matrices stay small). A sequence longer than `maxRows` is a pass alone.
    static func passes(lengths: [Int], maxRows: Int) -> [[Int]] {
        var passes: [[Int]] = []
        var pass: [Int] = []
        var rows = 0
        for index in lengths.indices.sorted(by: { (lengths[$0], $0) < (lengths[$1], $1) }) {
            if rows + lengths[index] > maxRows, !pass.isEmpty {
                passes.append(pass)
                (pass, rows) = ([], 0)
            }
            pass.append(index)
            rows += lengths[index]
        }
        if !pass.isEmpty { passes.append(pass) }
        return passes
    }
}
