// ragsync — BatchPlan: which files of a pass are prepared, embedded and written together.

/// Cuts a pass's files into batches of consecutive files, bounded by count and by bytes.
///
/// A batch's files are held parsed, chunked and embedded until its transaction ends, and a pass holds three batches
/// at once (one prepared, two written). By count alone, six 8 MB files in one batch peaked at 173 MB.
public struct BatchPlan: Sendable, Equatable {
    /// Each batch's files, as a range of positions in the pass's list.
    public var batches: [Range<Int>] = []
    /// For each batch, whether it is one file larger than `maxBytes`: the engine prepares and writes such a batch
    /// with no other batch in memory.
    public var isOversized: [Bool] = []

    /// - Parameters:
    ///   - sizes: each file's size in bytes, in the pass's order.
    ///   - maxDocuments: the most files in a batch (at least 1).
    ///   - maxBytes: the most bytes in a batch; a file larger than this is a batch of its own.
    public init(sizes: [Int], maxDocuments: Int, maxBytes: Int) {
        var start = 0
        var bytes = 0
        for (position, size) in sizes.enumerated() {
            if position > start, position - start >= max(1, maxDocuments) || bytes + size > maxBytes {
                append(start..<position, bytes: bytes, maxBytes: maxBytes)
                start = position
                bytes = 0
            }
            bytes += size
        }
        if start < sizes.count { append(start..<sizes.count, bytes: bytes, maxBytes: maxBytes) }
    }

    private mutating func append(_ batch: Range<Int>, bytes: Int, maxBytes: Int) {
        batches.append(batch)
        isOversized.append(bytes > maxBytes)
    }
}
