// ragsync — BertWorkspace: the scratch buffers of one forward pass.

/// The activations of a forward pass over at most `rowCapacity` packed token rows, each sequence at most
/// `longestCapacity` long; allocated once, reused by every pass after it, and freed exactly once in `deinit`.
///
/// Reusing it saves each pass allocating (and the kernel zero-filling) its buffers afresh: a pass touches only the
/// rows it uses.
///
/// Parallel parts of a step write disjoint rows (or, for attention, disjoint sequence × head blocks of `context`
/// and their own `scores` buffer), so sharing the pointers between threads is safe.
final class BertWorkspace: @unchecked Sendable {
    /// `[rows, hidden]`: the hidden states, input and output of every layer.
    let hidden: UnsafeMutablePointer<Float>
    /// `[rows, 3 × hidden]`: query, key and value side by side.
    let queryKeyValue: UnsafeMutablePointer<Float>
    /// `[rows, hidden]`: attention output, heads side by side.
    let context: UnsafeMutablePointer<Float>
    /// `[rows, hidden]`: the attention block's result after its LayerNorm.
    let projected: UnsafeMutablePointer<Float>
    /// `[rows, intermediate]`: the feed-forward layer's inner activations.
    let intermediate: UnsafeMutablePointer<Float>
    /// One `[longest, longest]` score matrix per worker.
    private let scoreBuffers: UnsafeMutablePointer<Float>
    private let scoreSize: Int
    /// The most token rows a pass may have.
    let rowCapacity: Int
    /// The longest sequence a pass may have.
    let longestCapacity: Int

    /// Allocates the buffers.
    /// - Parameters:
    ///   - rows: the token rows of the whole batch.
    ///   - configuration: the model's sizes.
    ///   - workers: parts a step may be split into.
    ///   - longest: the longest sequence's length.
    init(rows: Int, configuration: BertConfiguration, workers: Int, longest: Int) {
        let width = configuration.hiddenSize
        hidden = .allocate(capacity: rows * width)
        queryKeyValue = .allocate(capacity: rows * 3 * width)
        context = .allocate(capacity: rows * width)
        projected = .allocate(capacity: rows * width)
        intermediate = .allocate(capacity: rows * configuration.intermediateSize)
        scoreSize = longest * longest
        scoreBuffers = .allocate(capacity: max(1, workers * scoreSize))
        rowCapacity = rows
        longestCapacity = longest
    }

    /// Whether a pass over these sequences fits.
    func fits(rows: Int, longest: Int) -> Bool {
        rows <= rowCapacity && longest <= longestCapacity
    }

    deinit {
        hidden.deallocate()
        queryKeyValue.deallocate()
        context.deallocate()
        projected.deallocate()
        intermediate.deallocate()
        scoreBuffers.deallocate()
    }

    /// The score matrix of one worker.
    func scores(part: Int) -> UnsafeMutablePointer<Float> {
        scoreBuffers + part * scoreSize
    }
}
