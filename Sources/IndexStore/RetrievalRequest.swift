// ragsync — RetrievalRequest: one search through the web host's SQL functions.

public import Postgres

/// One search through the SQL functions.
public struct RetrievalRequest: Sendable {
    public var mode: RetrievalMode
    public var text: String
    public var vector: PostgresVector
    public var count: Int
    /// The `filter` argument: `embedding_model`, `category`, `tags`, `source_file`.
    public var filter: JSONFilter
    public var onePerDocument: Bool
    /// Weights of the fusion; the measured defaults live with the command that chooses them.
    public var fullTextWeight: Double
    public var semanticWeight: Double
    public var rrfK: Int

    public init(
        mode: RetrievalMode, text: String, vector: PostgresVector, count: Int, filter: JSONFilter,
        onePerDocument: Bool, fullTextWeight: Double, semanticWeight: Double, rrfK: Int
    ) {
        self.mode = mode
        self.text = text
        self.vector = vector
        self.count = count
        self.filter = filter
        self.onePerDocument = onePerDocument
        self.fullTextWeight = fullTextWeight
        self.semanticWeight = semanticWeight
        self.rrfK = rrfK
    }

    /// The `filter` keys, serialized as a JSON object.
    public struct JSONFilter: Sendable {
        public var embeddingModel: String?
        public var category: String?
        public var tags: [String]

        public init(embeddingModel: String?, category: String?, tags: [String] = []) {
            self.embeddingModel = embeddingModel
            self.category = category
            self.tags = tags
        }

        /// The object as text, built from escaped JSON strings.
        var jsonText: String {
            var members: [String] = []
            if let embeddingModel { members.append("\"embedding_model\":\(Self.quoted(embeddingModel))") }
            if let category { members.append("\"category\":\(Self.quoted(category))") }
            if !tags.isEmpty { members.append("\"tags\":[\(tags.map(Self.quoted).joined(separator: ","))]") }
            return "{" + members.joined(separator: ",") + "}"
        }

        private static func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
    }
}

