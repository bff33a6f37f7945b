// ragsync — LocalEmbeddingProviderTests: the EmbeddingProvider face of the local model.

import LocalEmbedding
import Testing

@Suite("Local embedding provider")
struct LocalEmbeddingProviderTests {
    @Test("the provider embeds like the model and counts wordpieces as prompt tokens")
    func providerEmbedsAndCountsTokens() async throws {
        let provider = try LocalEmbeddingProvider(modelDirectory: ModelUnderTest.directory())
        #expect(provider.model == "all-MiniLM-L6-v2")
        #expect(provider.dimensions == 384)
        let item = try ReferenceFixture.item(named: "long_prose_2")
        let texts = ["machine learning engineer", item.text]
        let response = try await provider.embed(texts)
        #expect(response.vectors.count == 2)
        #expect(response.promptTokens == 3 + item.untruncatedCount - 2)
        #expect(response.requestCount == 1)
        let deviation = Deviation(response.vectors[1], reference: item.embedding)
        #expect(deviation.cosine >= 0.9999)
    }

    @Test("no texts give no vectors and no passes")
    func emptyInputGivesEmptyResponse() async throws {
        let provider = try LocalEmbeddingProvider(projectRoot: ModelUnderTest.repositoryRoot, environment: [:])
        let response = try await provider.embed([])
        #expect(response.vectors.isEmpty)
        #expect(response.requestCount == 0)
    }
}
