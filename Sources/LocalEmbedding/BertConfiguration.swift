// ragsync — BertConfiguration: the sizes of a BERT encoder.

/// The sizes of a BERT encoder; every tensor read from the model file is checked against them.
public struct BertConfiguration: Sendable, Equatable {
    /// Tokens in the vocabulary (rows of the word embedding table).
    public var vocabularySize: Int
    /// Width of every hidden state.
    public var hiddenSize: Int
    /// Transformer layers.
    public var layerCount: Int
    /// Attention heads per layer; `hiddenSize` is a multiple of it.
    public var headCount: Int
    /// Width of the feed-forward layer.
    public var intermediateSize: Int
    /// Rows of the position embedding table: the longest sequence the weights allow.
    public var maxPositions: Int
    /// The epsilon added to the variance in every LayerNorm.
    public var layerNormEpsilon: Float

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// sentence-transformers/all-MiniLM-L6-v2 (nreimers/MiniLM-L6-H384-uncased): 6 layers, 384 wide, 12 heads.
    public static let miniLML6 = BertConfiguration(
        vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536,
        maxPositions: 512, layerNormEpsilon: 1e-12
    )
}
