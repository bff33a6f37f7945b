// ragsync — BertEncoder: the BERT forward pass with mean pooling, over sequences of any lengths at once.

/// The BERT forward pass of a sentence-embedding model: embeddings, `layerCount` transformer layers, mean pooling
/// over every token (`[CLS]` and `[SEP]` included) and L2 normalisation.
///
/// A batch is packed without padding: the token rows of all sequences are stacked into one matrix, so every linear
/// layer is a single `cblas_sgemm` over all tokens, and attention runs per sequence and head on that sequence's
/// rows only. Each step is split over `workerCount` threads (rows for the row-wise steps, sequence × head pairs for
/// attention); OpenBLAS itself runs single-threaded inside each part.
struct BertEncoder: Sendable {
    let weights: BertWeights
    let splitter: WorkSplitter

    /// Row-wise parts have at least this many token rows; smaller inputs use fewer threads.
    private static let minimumRowsPerPart = 16
    /// Attention parts cost at least this much (sum of `length²`).
    private static let minimumAttentionCost = 4096

    /// - Parameters:
    ///   - weights: the model's parameters.
    ///   - workerCount: threads per step (1 or more).
    init(weights: BertWeights, workerCount: Int) {
        self.weights = weights
        self.splitter = WorkSplitter(workerCount: max(1, workerCount))
    }

    /// Embeds token sequences.
    /// - Parameters:
    ///   - sequences: token ids, each sequence at most `maxPositions` long, ids below `vocabularySize`.
    ///   - reusable: scratch memory to use when the sequences fit in it (with as many workers as this encoder);
    ///     otherwise a workspace is allocated for this call.
    /// - Returns: one L2-normalised vector of `hiddenSize` values per sequence; zeros for an empty sequence.
    func embed(_ sequences: [[Int]], reusing reusable: BertWorkspace) -> [[Float]] {
        let configuration = weights.configuration
        let hidden = configuration.hiddenSize
        for sequence in sequences {
            // trap: sequences come from WordPieceTokenizer, which truncates to maxPositions and emits only ids of the
            // vocabulary checked against the weights' shape at load; a failure here is a bug in ragsync, not input.
            precondition(sequence.count <= configuration.maxPositions, "sequence longer than the model's positions")
            // trap: as above.
            precondition(sequence.allSatisfy { 0 <= $0 && $0 < configuration.vocabularySize }, "token id out of range")
        }
        let starts = sequences.reduce(into: [0]) { $0.append(($0.last ?? 0) + $1.count) }
        let rows = starts.last ?? 0
        guard rows > 0 else { return sequences.map { _ in [Float](repeating: 0, count: hidden) } }
        let longest = sequences.map(\.count).max() ?? 0
        let workspace =
            if reusable.fits(rows: rows, longest: longest) {
                reusable
            } else {
                BertWorkspace(rows: rows, configuration: configuration, workers: splitter.workerCount, longest: longest)
            }
        let tokens = sequences.flatMap { $0 }
        let positions = sequences.flatMap { 0..<$0.count }

        splitter.run(count: rows, minimumCount: Self.minimumRowsPerPart) { range, _ in
            embedTokens(tokens, positions: positions, rows: range, into: workspace)
            projectQueryKeyValue(rows: range, layer: weights.layers[0], workspace: workspace)
        }
        let attentionCosts = sequences.flatMap { sequence in
            repeatElement(sequence.count * sequence.count, count: configuration.headCount)
        }
        for (index, layer) in weights.layers.enumerated() {
            splitter.run(costs: attentionCosts, minimumCost: Self.minimumAttentionCost) { pairs, part in
                attend(pairs: pairs, starts: starts, workspace: workspace, part: part)
            }
            let next = index + 1 < weights.layers.count ? weights.layers[index + 1] : nil
            splitter.run(count: rows, minimumCount: Self.minimumRowsPerPart) { range, _ in
                finishLayer(layer, rows: range, workspace: workspace)
                if let next { projectQueryKeyValue(rows: range, layer: next, workspace: workspace) }
            }
        }
        return sequences.indices.map { index in
            pooled(rows: starts[index]..<starts[index + 1], hidden: workspace.hidden, width: hidden)
        }
    }

    /// Word + position + token type 0 embeddings, then LayerNorm, into `workspace.hidden`.
    private func embedTokens(_ tokens: [Int], positions: [Int], rows: Range<Int>, into workspace: BertWorkspace) {
        let width = weights.configuration.hiddenSize
        for row in rows {
            let output = workspace.hidden + row * width
            let word = weights.wordEmbeddings + tokens[row] * width
            let position = weights.positionEmbeddings + positions[row] * width
            for index in 0..<width {
                output[index] = word[index] + position[index] + weights.tokenTypeEmbedding[index]
            }
        }
        BertKernels.addAndNormalize(
            workspace.hidden + rows.lowerBound * width, residual: nil, rows: rows.count, width: width,
            norm: weights.embeddingNorm, epsilon: weights.configuration.layerNormEpsilon
        )
    }

    /// `queryKeyValue[rows] = hidden[rows] · [W_q W_k W_v]ᵀ + [b_q b_k b_v]`: three products, each writing its third
    /// of every row, so the weights are used where they lie in the model file.
    private func projectQueryKeyValue(rows: Range<Int>, layer: BertWeights.Layer, workspace: BertWorkspace) {
        let width = weights.configuration.hiddenSize
        for (part, projection) in [layer.query, layer.key, layer.value].enumerated() {
            BertKernels.linear(
                workspace.hidden + rows.lowerBound * width, rows: rows.count, layer: projection,
                output: workspace.queryKeyValue + rows.lowerBound * 3 * width + part * width, outputStride: 3 * width
            )
        }
    }

    /// Scaled dot-product attention for the given (sequence, head) pairs, into `workspace.context`.
    private func attend(pairs: Range<Int>, starts: [Int], workspace: BertWorkspace, part: Int) {
        let configuration = weights.configuration
        let (width, headSize, heads) = (configuration.hiddenSize, configuration.headSize, configuration.headCount)
        let scale = 1 / Float(headSize).squareRoot()
        let scores = workspace.scores(part: part)
        for pair in pairs {
            let (sequence, head) = pair.quotientAndRemainder(dividingBy: heads)
            let start = starts[sequence]
            let length = starts[sequence + 1] - start
            let query = workspace.queryKeyValue + start * 3 * width + head * headSize
            BertKernels.attentionScores(
                query: query, key: query + width, stride: 3 * width, length: length, headSize: headSize,
                scale: scale, scores: scores
            )
            BertKernels.softmaxRows(scores, rows: length, columns: length)
            BertKernels.attentionContext(
                probabilities: scores, value: query + 2 * width, valueStride: 3 * width, length: length,
                headSize: headSize, context: workspace.context + start * width + head * headSize,
                contextStride: width
            )
        }
    }

    /// The rest of a layer, row-wise: output projection, residual + LayerNorm, GELU feed-forward, residual +
    /// LayerNorm; the result replaces `workspace.hidden[rows]`.
    private func finishLayer(_ layer: BertWeights.Layer, rows: Range<Int>, workspace: BertWorkspace) {
        let configuration = weights.configuration
        let width = configuration.hiddenSize
        let inner = configuration.intermediateSize
        let hidden = workspace.hidden + rows.lowerBound * width
        let projected = workspace.projected + rows.lowerBound * width
        let intermediate = workspace.intermediate + rows.lowerBound * inner
        let epsilon = configuration.layerNormEpsilon

        BertKernels.linear(
            workspace.context + rows.lowerBound * width, rows: rows.count, layer: layer.attentionOutput,
            output: projected
        )
        BertKernels.addAndNormalize(
            projected, residual: hidden, rows: rows.count, width: width, norm: layer.attentionNorm, epsilon: epsilon
        )
        BertKernels.linear(projected, rows: rows.count, layer: layer.intermediate, output: intermediate)
        BertKernels.gelu(intermediate, count: rows.count * inner)
        BertKernels.linear(intermediate, rows: rows.count, layer: layer.output, output: hidden)
        BertKernels.addAndNormalize(
            hidden, residual: projected, rows: rows.count, width: width, norm: layer.outputNorm, epsilon: epsilon
        )
    }

    /// The mean of a sequence's rows, L2-normalised (norm floored at 1e-12, as PyTorch's `normalize`).
    private func pooled(rows: Range<Int>, hidden: UnsafeMutablePointer<Float>, width: Int) -> [Float] {
        var sums = [Double](repeating: 0, count: width)
        for row in rows {
            let values = hidden + row * width
            for index in 0..<width { sums[index] += Double(values[index]) }
        }
        let means = sums.map { $0 / Double(rows.count) }
        let norm = max(means.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return means.map { Float($0 / norm) }
    }
}
