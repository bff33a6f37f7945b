// ragsync — BertKernels: the float32 building blocks of the forward pass (BLAS products, LayerNorm, GELU, softmax).

import COpenBLAS

/// The numeric steps of a BERT layer on row-major float32 buffers. Matrix products go to OpenBLAS's `cblas_sgemm`;
/// the element-wise steps are plain loops.
enum BertKernels {
    private static let rowMajor = Int32(RAGSYNC_CBLAS_ROW_MAJOR)
    private static let noTranspose = Int32(RAGSYNC_CBLAS_NO_TRANS)
    private static let transpose = Int32(RAGSYNC_CBLAS_TRANS)

    /// `output[rows, out] = input[rows, in] · weightᵀ + bias`, as PyTorch's `nn.Linear`.
    ///
    /// The corresponding C function is `cblas_sgemm` (through `ragsync_sgemm`).
    /// - Parameters:
    ///   - input: `rows` rows of `layer.inFeatures` values, contiguous.
    ///   - rows: the number of rows.
    ///   - layer: the weights, `[outFeatures, inFeatures]`, and bias.
    ///   - output: `rows` rows of `layer.outFeatures` values, each `outputStride` values after the one before
    ///     (by default `layer.outFeatures`: contiguous).
    static func linear(
        _ input: UnsafePointer<Float>,
        rows: Int,
        layer: BertWeights.Linear,
        output: UnsafeMutablePointer<Float>,
        outputStride: Int? = nil
    ) {
        guard rows > 0 else { return }
        let stride = outputStride ?? layer.outFeatures
        for row in 0..<rows {
            (output + row * stride).update(from: layer.bias, count: layer.outFeatures)
        }
        ragsync_sgemm(
            rowMajor, noTranspose, transpose,
            Int32(rows), Int32(layer.outFeatures), Int32(layer.inFeatures),
            1, input, Int32(layer.inFeatures),
            layer.weight, Int32(layer.inFeatures),
            1, output, Int32(stride)
        )
    }

    /// `scores[length, length] = scale · Q · Kᵀ` for one head of one sequence.
    ///
    /// The corresponding C function is `cblas_sgemm` (through `ragsync_sgemm`).
    static func attentionScores(
        query: UnsafePointer<Float>,
        key: UnsafePointer<Float>,
        stride: Int,
        length: Int,
        headSize: Int,
        scale: Float,
        scores: UnsafeMutablePointer<Float>
    ) {
        ragsync_sgemm(
            rowMajor, noTranspose, transpose,
            Int32(length), Int32(length), Int32(headSize),
            scale, query, Int32(stride), key, Int32(stride),
            0, scores, Int32(length)
        )
    }

    /// `context[length, headSize] = P · V` for one head of one sequence, written `contextStride` apart.
    ///
    /// The corresponding C function is `cblas_sgemm` (through `ragsync_sgemm`).
    static func attentionContext(
        probabilities: UnsafePointer<Float>,
        value: UnsafePointer<Float>,
        valueStride: Int,
        length: Int,
        headSize: Int,
        context: UnsafeMutablePointer<Float>,
        contextStride: Int
    ) {
        ragsync_sgemm(
            rowMajor, noTranspose, noTranspose,
            Int32(length), Int32(headSize), Int32(length),
            1, probabilities, Int32(length), value, Int32(valueStride),
            0, context, Int32(contextStride)
        )
    }

    /// Softmax of each row of a `[rows, columns]` matrix, in place (max-subtracted for stability).
    static func softmaxRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows {
            let values = matrix + row * columns
            let maximum = VectorMath.maximum(values, count: columns)
            for column in 0..<columns { values[column] = VectorMath.exp(values[column] - maximum) }
            let inverse = 1 / VectorMath.sum(values, count: columns)
            for column in 0..<columns { values[column] *= inverse }
        }
    }

    /// `x = LayerNorm(x + residual)` for each of `rows` rows of `width` values.
    /// - Parameters:
    ///   - values: the rows, updated in place.
    ///   - residual: added first; nil for none.
    ///   - norm: the scale and shift.
    ///   - epsilon: added to the variance.
    static func addAndNormalize(
        _ values: UnsafeMutablePointer<Float>,
        residual: UnsafePointer<Float>?,
        rows: Int,
        width: Int,
        norm: BertWeights.Norm,
        epsilon: Float
    ) {
        for row in 0..<rows {
            let x = values + row * width
            if let residual {
                let r = residual + row * width
                for index in 0..<width { x[index] += r[index] }
            }
            var sum: Double = 0
            for index in 0..<width { sum += Double(x[index]) }
            let mean = sum / Double(width)
            var squares: Double = 0
            for index in 0..<width {
                let deviation = Double(x[index]) - mean
                squares += deviation * deviation
            }
            let inverse = Float(1 / (squares / Double(width) + Double(epsilon)).squareRoot())
            let floatMean = Float(mean)
            for index in 0..<width {
                x[index] = (x[index] - floatMean) * inverse * norm.weight[index] + norm.bias[index]
            }
        }
    }

    /// The exact GELU, `x · Φ(x) = 0.5 · x · (1 + erf(x / √2))`, in place (not the tanh approximation).
    static func gelu(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count {
            let x = values[index]
            values[index] = 0.5 * x * (1 + VectorMath.erf(x * 0.707_106_781_186_547_5))
        }
    }
}
