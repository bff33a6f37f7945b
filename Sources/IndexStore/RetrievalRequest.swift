// ragsync — RetrievalRequest: one search through the web host's SQL functions.

import Indexer
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

        /// The object as text, serialized by the same ``JSONValue`` that writes `metadata_json`.
        var jsonText: String {
            var members: [String: JSONValue] = [:]
            if let embeddingModel { members["embedding_model"] = .string(embeddingModel) }
            if let category { members["category"] = .string(category) }
            if !tags.isEmpty { members["tags"] = .array(tags.map(JSONValue.string)) }
            return JSONValue.object(members).jsonText
        }
    }
}

