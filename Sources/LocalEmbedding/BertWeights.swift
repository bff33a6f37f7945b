// ragsync — BertWeights: a BERT encoder's parameters, used in place in the mapped safetensors file.

/// The parameters of a BERT encoder (Hugging Face `BertModel` names), float32, row-major.
///
/// Tensors are used where they lie in the memory-mapped model file, which this object keeps mapped. Only a tensor
/// the file does not align for float32 is copied, into an allocation of its own freed exactly once in `deinit`.
/// Measured on ./content: the local model's peak RSS went from 220 MB, with every tensor copied, to 134 MB; on the
/// Swift book, no longer copying query, key and value (10.6 MB) took it from 160 to 150 MB. The pointers are
/// read-only after `init`, so one instance is shared by every thread of a forward pass.
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
        var query: Linear
        var key: Linear
        var value: Linear
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
        var tensors: [(name: String, shape: [Int])] = [
            ("embeddings.word_embeddings.weight", [configuration.vocabularySize, hidden]),
            ("embeddings.position_embeddings.weight", [configuration.maxPositions, hidden]),
            ("embeddings.token_type_embeddings.weight", [2, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]), ("embeddings.LayerNorm.bias", [hidden]),
        ]
        for layer in 0..<configuration.layerCount {
            let prefix = "encoder.layer.\(layer)."
            for part in ["query", "key", "value"] {
                tensors.append((prefix + "attention.self.\(part).weight", [hidden, hidden]))
                tensors.append((prefix + "attention.self.\(part).bias", [hidden]))
            }
            tensors += [
                (prefix + "attention.output.dense.weight", [hidden, hidden]),
                (prefix + "attention.output.dense.bias", [hidden]),
                (prefix + "attention.output.LayerNorm.weight", [hidden]),
                (prefix + "attention.output.LayerNorm.bias", [hidden]),
                (prefix + "intermediate.dense.weight", [inner, hidden]),
                (prefix + "intermediate.dense.bias", [inner]),
                (prefix + "output.dense.weight", [hidden, inner]),
                (prefix + "output.dense.bias", [hidden]),
                (prefix + "output.LayerNorm.weight", [hidden]),
                (prefix + "output.LayerNorm.bias", [hidden]),
            ]
        }
        var mapped: [String: UnsafePointer<Float>] = [:]
        var copied: [(name: String, shape: [Int])] = []
        for tensor in tensors {
            if let pointer = try file.mappedFloats(tensor.name, shape: tensor.shape) {
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
                query: linear("attention.self.query", hidden, hidden),
                key: linear("attention.self.key", hidden, hidden),
                value: linear("attention.self.value", hidden, hidden),
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
