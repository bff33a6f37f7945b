// ragsync — BertWeights: a BERT encoder's parameters, used in place in the mapped safetensors file.

/// The parameters of a BERT encoder (Hugging Face `BertModel` names), float32, row-major.
///
/// Tensors are used where they lie in the memory-mapped model file, which this object keeps mapped. Only query, key
/// and value, which the forward pass needs side by side as one projection, are copied into an allocation of their own
/// (as is any tensor the file does not align); it is freed exactly once in `deinit`. Measured on ./content: the local
/// model's peak RSS went from 220 MB, with every tensor copied, to 134 MB. The pointers are read-only after
/// `init`, so one instance is shared by every thread of a forward pass.
final class BertWeights: @unchecked Sendable {
    /// A LayerNorm's scale and shift, `hiddenSize` each; points into the immutable storage.
    struct Norm: @unchecked Sendable {
        var weight: UnsafePointer<Float>
        var bias: UnsafePointer<Float>
    }

    /// A linear layer: `weight` is `[outFeatures, inFeatures]` (applied transposed), `bias` is `[outFeatures]`;
    /// points into the immutable storage.
    struct Linear: @unchecked Sendable {
        var weight: UnsafePointer<Float>
        var bias: UnsafePointer<Float>
        var inFeatures: Int
        var outFeatures: Int
    }

    /// One transformer layer.
    struct Layer: Sendable {
        /// Query, key and value stacked into one `[3 × hidden, hidden]` projection.
        var queryKeyValue: Linear
        var attentionOutput: Linear
        var attentionNorm: Norm
        var intermediate: Linear
        var output: Linear
        var outputNorm: Norm
    }

    let configuration: BertConfiguration
    /// `[vocabularySize, hiddenSize]`.
    let wordEmbeddings: UnsafePointer<Float>
    /// `[maxPositions, hiddenSize]`.
    let positionEmbeddings: UnsafePointer<Float>
    /// Row 0 of the token type table (every token is of type 0), `[hiddenSize]`.
    let tokenTypeEmbedding: UnsafePointer<Float>
    let embeddingNorm: Norm
    let layers: [Layer]

    private let storage: UnsafeMutableBufferPointer<Float>
    /// The model file, kept so that its mapping outlives the pointers into it.
    private let file: SafetensorsFile

    /// Takes the encoder's tensors from a model file (the pooler is not used).
    /// - Parameters:
    ///   - file: a safetensors file with `embeddings.*` and `encoder.layer.N.*` tensors.
    ///   - configuration: the sizes the tensors must have.
    /// - Throws: `LocalModelError` naming the file and the first missing or misshapen tensor.
    init(file: SafetensorsFile, configuration: BertConfiguration) throws(LocalModelError) {
        let hidden = configuration.hiddenSize
        let inner = configuration.intermediateSize
        // `adjacent`: copied next to its neighbours in this list (query, key and value form one projection).
        var tensors: [(name: String, shape: [Int], adjacent: Bool)] = [
            ("embeddings.word_embeddings.weight", [configuration.vocabularySize, hidden], false),
            ("embeddings.position_embeddings.weight", [configuration.maxPositions, hidden], false),
            ("embeddings.token_type_embeddings.weight", [2, hidden], false),
            ("embeddings.LayerNorm.weight", [hidden], false), ("embeddings.LayerNorm.bias", [hidden], false),
        ]
        for layer in 0..<configuration.layerCount {
            let prefix = "encoder.layer.\(layer)."
            // Query, key and value weights, then their biases, stored adjacently: together one projection.
            for part in ["query", "key", "value"] {
                tensors.append((prefix + "attention.self.\(part).weight", [hidden, hidden], true))
            }
            for part in ["query", "key", "value"] {
                tensors.append((prefix + "attention.self.\(part).bias", [hidden], true))
            }
            tensors += [
                (prefix + "attention.output.dense.weight", [hidden, hidden], false),
                (prefix + "attention.output.dense.bias", [hidden], false),
                (prefix + "attention.output.LayerNorm.weight", [hidden], false),
                (prefix + "attention.output.LayerNorm.bias", [hidden], false),
                (prefix + "intermediate.dense.weight", [inner, hidden], false),
                (prefix + "intermediate.dense.bias", [inner], false),
                (prefix + "output.dense.weight", [hidden, inner], false),
                (prefix + "output.dense.bias", [hidden], false),
                (prefix + "output.LayerNorm.weight", [hidden], false),
                (prefix + "output.LayerNorm.bias", [hidden], false),
            ]
        }
        var mapped: [String: UnsafePointer<Float>] = [:]
        var copied: [(name: String, shape: [Int])] = []
        for tensor in tensors {
            if !tensor.adjacent, let pointer = try file.mappedFloats(tensor.name, shape: tensor.shape) {
                mapped[tensor.name] = pointer
            } else {
                copied.append((tensor.name, tensor.shape))
            }
        }
        let total = copied.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(total, 1))
        var offsets: [String: Int] = [:]
        var offset = 0
        do {
            for tensor in copied {
                let values = try file.floats(tensor.name, shape: tensor.shape)
                _ = UnsafeMutableBufferPointer(rebasing: storage[offset..<offset + values.count]).initialize(
                    from: values
                )
                offsets[tensor.name] = offset
                offset += values.count
            }
        } catch {
            storage.deallocate()
            throw error
        }
        // trap: storage was allocated above with at least one element, so its base address exists.
        let base = UnsafePointer(storage.baseAddress!)
        // trap: `at` is called only with the fixed names above, each either mapped or copied just now, so an absent
        // name is a bug in this file, never a property of the model file.
        func at(_ name: String) -> UnsafePointer<Float> { mapped[name] ?? (base + offsets[name]!) }

        self.file = file
        self.storage = storage
        self.configuration = configuration
        wordEmbeddings = at("embeddings.word_embeddings.weight")
        positionEmbeddings = at("embeddings.position_embeddings.weight")
        tokenTypeEmbedding = at("embeddings.token_type_embeddings.weight")
        embeddingNorm = Norm(weight: at("embeddings.LayerNorm.weight"), bias: at("embeddings.LayerNorm.bias"))
        layers = (0..<configuration.layerCount).map { layer in
            let prefix = "encoder.layer.\(layer)."
            func linear(_ name: String, _ inFeatures: Int, _ outFeatures: Int) -> Linear {
                Linear(
                    weight: at(prefix + name + ".weight"), bias: at(prefix + name + ".bias"),
                    inFeatures: inFeatures, outFeatures: outFeatures
                )
            }
            func norm(_ name: String) -> Norm {
                Norm(weight: at(prefix + name + ".weight"), bias: at(prefix + name + ".bias"))
            }
            return Layer(
                queryKeyValue: Linear(
                    weight: at(prefix + "attention.self.query.weight"), bias: at(prefix + "attention.self.query.bias"),
                    inFeatures: hidden, outFeatures: 3 * hidden
                ),
                attentionOutput: linear("attention.output.dense", hidden, hidden),
                attentionNorm: norm("attention.output.LayerNorm"),
                intermediate: linear("intermediate.dense", hidden, inner),
                output: linear("output.dense", inner, hidden),
                outputNorm: norm("output.LayerNorm")
            )
        }
    }

    deinit {
        storage.deallocate()
    }
}
