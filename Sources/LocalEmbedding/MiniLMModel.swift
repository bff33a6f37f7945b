// ragsync — MiniLMModel: all-MiniLM-L6-v2 sentence embeddings, tokeniser and encoder together.

import COpenBLAS
import Foundation

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
    /// A forward pass covers at most this many token rows (16 full-length texts); larger batches are split.
    ///
    /// It bounds the activations' memory (about 15 KB per row, 63 MB in all).
    public static let maxRowsPerPass = 4096

    /// The model's tokeniser, also for counting wordpieces when sizing chunks.
    public let tokenizer: WordPieceTokenizer
    /// The directory the model was loaded from.
    public let directory: String
    /// Threads each forward pass is spread over.
    public let threadCount: Int
    private let encoder: BertEncoder

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
    /// The sequences are packed without padding and run in passes of at most `maxRowsPerPass` token rows.
    /// - Parameter tokenIDs: one sequence per text, as `WordPieceTokenizer.encode` returns (with `[CLS]`/`[SEP]`).
    /// - Returns: one L2-normalised vector per sequence, in order.
    /// - Precondition: every sequence has at most 512 ids, each below the vocabulary size.
    public func embed(tokenIDs: [[Int]]) -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(tokenIDs.count)
        for pass in Self.passes(lengths: tokenIDs.map(\.count), maxRows: Self.maxRowsPerPass) {
            vectors += encoder.embed(Array(tokenIDs[pass]))
        }
        return vectors
    }

    /// Cuts a batch into consecutive passes of at most `maxRows` rows (a longer single sequence is a pass alone).
    static func passes(lengths: [Int], maxRows: Int) -> [Range<Int>] {
        var passes: [Range<Int>] = []
        var start = 0
        var rows = 0
        for (index, length) in lengths.enumerated() {
            if rows + length > maxRows, index > start {
                passes.append(start..<index)
                (start, rows) = (index, 0)
            }
            rows += length
        }
        if start < lengths.count { passes.append(start..<lengths.count) }
        return passes
    }
}
