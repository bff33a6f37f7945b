// ragsync — EmbeddingReferenceTests: embeddings match the reference model's, alone and batched.

import LocalEmbedding
import Testing

// Serialized, and run on a thread of their own: each case keeps both cores busy in the model's own threads, and on
// the cooperative pool it would also stall the other suites' tests.
@Suite("all-MiniLM-L6-v2 embeddings", .serialized)
struct EmbeddingReferenceTests {
    @Test(
        "each embedding matches the reference: cosine ≥ 0.9999, max |Δ| < 1e-4",
        arguments: ReferenceFixture.itemNames
    )
    func embeddingMatchesReference(name: String) async throws {
        try await OffPool.shared.run {
            let item = try ReferenceFixture.item(named: name)
            let vectors = try ModelUnderTest.model().embed([item.text])
            try #require(vectors.count == 1)
            try #require(vectors[0].count == MiniLMModel.dimensions)
            let deviation = Deviation(vectors[0], reference: item.embedding)
            #expect(deviation.cosine >= 0.9999, "cosine \(deviation.cosine)")
            #expect(deviation.maxAbsoluteDifference < 1e-4, "max |Δ| \(deviation.maxAbsoluteDifference)")
        }
    }

    @Test("embedding all texts in one batch gives the same vectors as one at a time, within 1e-5")
    func batchedEqualsSingle() async throws {
        try await OffPool.shared.run {
            let model = try ModelUnderTest.model()
            let texts = try ReferenceFixture.loaded.get().items.map(\.text)
            let batched = model.embed(texts)
            try #require(batched.count == texts.count)
            for (index, text) in texts.enumerated() {
                let single = model.embed([text])[0]
                let difference = zip(batched[index], single).map { abs($0 - $1) }.max() ?? 0
                #expect(difference < 1e-5, "text \(index): max |Δ| \(difference)")
            }
        }
    }

    @Test("a batch of mixed lengths larger than one pass is embedded shortest first and returned in its own order")
    func batchesLargerThanOnePassKeepOrder() async throws {
        try await OffPool.shared.run {
            let model = try ModelUnderTest.model()
            // Lengths out of order (up to the 256-token limit), about 2,900 rows: more than one pass of 1,024.
            let texts = (0..<20).map { index in
                "\(index) " + String(repeating: "vector search over markdown notes ", count: (index * 7) % 20 * 3 + 1)
            }
            let batched = model.embed(texts)
            try #require(batched.count == texts.count)
            for index in texts.indices {
                let single = model.embed([texts[index]])[0]
                let difference = zip(batched[index], single).map { abs($0 - $1) }.max() ?? 0
                #expect(difference < 1e-5, "text \(index): max |Δ| \(difference)")
            }
        }
    }

    @Test("the model gives unit vectors and no vectors for no texts")
    func vectorsAreNormalized() async throws {
        try await OffPool.shared.run {
            let model = try ModelUnderTest.model()
            #expect(model.embed([]).isEmpty)
            for vector in model.embed(["", "hello", "ragsync"]) {
                let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                #expect(abs(norm - 1) < 1e-5)
            }
        }
    }

    @Test("the same texts give the same vectors with one thread as with two")
    func threadCountDoesNotChangeResults() async throws {
        try await OffPool.shared.run {
            let directory = try ModelUnderTest.directory()
            let single = try MiniLMModel(directory: directory, threadCount: 1)
            let texts = try ReferenceFixture.loaded.get().items.map(\.text)
            let one = single.embed(texts)
            let two = try ModelUnderTest.model().embed(texts)
            for (a, b) in zip(one, two) {
                #expect((zip(a, b).map { abs($0 - $1) }.max() ?? 0) < 1e-5)
            }
        }
    }
}
