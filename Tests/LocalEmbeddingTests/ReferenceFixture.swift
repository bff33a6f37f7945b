// ragsync — ReferenceFixture: the reference tokens and embeddings of all-MiniLM-L6-v2, and the model under test.

import Foundation
import LocalEmbedding
import ThreadExecutor

/// `Fixtures/minilm-reference.json`: 42 texts with the reference tokenizer's ids and the reference model's
/// embeddings (sentence-transformers 6.2.0, torch 2.15.0, float32, one text per call).
struct ReferenceFixture: Decodable {
    struct Item: Decodable, Sendable {
        var name: String
        var text: String
        var tokenIDs: [Int]
        var tokens: [String]
        var untruncatedCount: Int
        var embedding: [Double]

        enum CodingKeys: String, CodingKey {
            case name, text, tokens, embedding
            case tokenIDs = "token_ids"
            case untruncatedCount = "n_tokens_untruncated"
        }
    }

    var count: Int
    var dimension: Int
    var items: [Item]

    /// The fixture, or the reason it could not be read.
    static let loaded: Result<ReferenceFixture, any Error> = Result {
        let url = Bundle.module.url(forResource: "minilm-reference", withExtension: "json", subdirectory: "Fixtures")
        guard let url else { throw FixtureMissing() }
        return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
    }

    /// The item names, for parameterised tests (empty if the fixture cannot be read; a test reports that).
    static var itemNames: [String] {
        (try? loaded.get().items.map(\.name)) ?? []
    }

    /// The item of that name.
    static func item(named name: String) throws -> Item {
        guard let item = try loaded.get().items.first(where: { $0.name == name }) else { throw FixtureMissing() }
        return item
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        var description: String { "Fixtures/minilm-reference.json is missing from the test bundle or incomplete" }
    }
}

/// The model under test, loaded once from the repository's `.venv` (the tests ignore `RAGSYNC_LOCAL_MODEL_DIR`).
enum ModelUnderTest {
    /// The repository root: this file is `Tests/LocalEmbeddingTests/ReferenceFixture.swift`.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The model directory in the repository's `.venv`, or why there is none (its message says to run `make setup`).
    static func directory() throws -> String {
        try LocalModelLocator.locate(projectRoot: repositoryRoot, environment: [:])
    }

    private static let loaded: Result<MiniLMModel, LocalModelError> = Result { () throws(LocalModelError) in
        try MiniLMModel(directory: LocalModelLocator.locate(projectRoot: repositoryRoot, environment: [:]))
    }

    /// The shared model; throws (failing the test) with how to install it when it is missing.
    static func model() throws -> MiniLMModel {
        try loaded.get()
    }
}

/// Cosine similarity and largest component difference between an embedding and its reference.
struct Deviation {
    var cosine: Double
    var maxAbsoluteDifference: Double

    init(_ vector: [Float], reference: [Double]) {
        precondition(vector.count == reference.count)
        var (dot, normA, normB, maxDiff) = (0.0, 0.0, 0.0, 0.0)
        for (a, b) in zip(vector.map(Double.init), reference) {
            dot += a * b
            normA += a * a
            normB += b * b
            maxDiff = max(maxDiff, abs(a - b))
        }
        cosine = dot / (normA.squareRoot() * normB.squareRoot())
        maxAbsoluteDifference = maxDiff
    }
}

/// Runs the model's blocking work on a dedicated thread instead of the cooperative pool.
actor OffPool {
    static let shared = OffPool()
    private let executor = DedicatedThreadExecutor(name: "model-tests")

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    func run<T: Sendable>(_ body: () throws -> T) throws -> T {
        try body()
    }
}
