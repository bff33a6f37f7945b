// ragsync — OpenAIEmbeddingClient against the local embedding server: results, encodings and batching.

@testable import Embedding
import Foundation
import RagsyncTestSupport
import Testing

@Suite struct OpenAIEmbeddingClientTests {
    @Test func vectorsComeBackInInputOrderWithConfiguredDimensionAndUnitLength() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server)
        let texts = ["postgres vector index", "inotify watches a folder", "", "postgres vector index"]

        let response = try await client.embed(texts)
        let reversed = try await client.embed(texts.reversed())

        #expect(response.vectors.count == texts.count)
        for vector in response.vectors {
            #expect(vector.count == 64)
            #expect(abs(norm(vector) - 1) < 1e-4)
        }
        #expect(response.vectors[0] == response.vectors[3])
        #expect(response.vectors[0] != response.vectors[1])
        #expect(Array(reversed.vectors.reversed()) == response.vectors)
        #expect(response.requestCount == 1)
        #expect(response.retryCount == 0)
        #expect(response.promptTokens > 0)
    }

    @Test func floatEncodingIsUsedWhenTheServerRefusesBase64() async throws {
        let base64Server = try await EmbeddingServerProcess.start()
        let floatServer = try await EmbeddingServerProcess.start(arguments: ["--no-base64"])
        let (base64Client, _) = makeClient(base64Server)
        let (floatClient, _) = makeClient(floatServer)
        let texts = ["markdown chunk one", "markdown chunk two"]

        let expected = try await base64Client.embed(texts)
        let first = try await floatClient.embed(texts)
        let second = try await floatClient.embed(texts)

        for (got, want) in zip(first.vectors + second.vectors, expected.vectors + expected.vectors) {
            #expect(zip(got, want).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        // One refused base64 request, then float for the rest of the client's life.
        #expect(try await floatServer.stats() == .init(requests: 3, inputs: 4))
    }

    @Test func fiveInputsWithTwoPerRequestTakeThreeRequests() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server) { $0.maxInputsPerRequest = 2 }

        let response = try await client.embed(["a", "b", "c", "d", "e"])

        #expect(response.vectors.count == 5)
        #expect(response.requestCount == 3)
        #expect(try await server.stats() == .init(requests: 3, inputs: 5))
    }

    @Test func tokenBudgetSplitsRequestsAndSendsAnOversizedTextAlone() async throws {
        let server = try await EmbeddingServerProcess.start()
        // Budget 10 tokens, 3 bytes per token: 15-byte texts are 5 tokens, the 60-byte one is 20.
        let (client, _) = makeClient(server) { $0.maxTokensPerRequest = 10 }
        let short = String(repeating: "word ", count: 3)
        let long = String(repeating: "long ", count: 12)

        let response = try await client.embed([short, short, short, long, short])

        #expect(response.vectors.count == 5)
        #expect(response.requestCount == 4)  // [s s] [s] [long] [s]
        #expect(try await server.stats() == .init(requests: 4, inputs: 5))
    }

    @Test func emptyInputSendsNoRequest() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server)

        let response = try await client.embed([])

        #expect(response.vectors.isEmpty)
        #expect(response.requestCount == 0)
        #expect(try await server.stats().requests == 0)
    }

    @Test func unauthorizedFailsFastWithTheProviderMessageAndWithoutTheKey() async throws {
        let server = try await EmbeddingServerProcess.start(arguments: ["--api-key", "sk-right-key-0000000000"])
        let secret = "sk-wrong-secret-key-1234567890"
        let (client, recorder) = makeClient(server) { $0.apiKey = secret }

        let error = try #require(await embeddingError(client, ["hello"]))

        #expect(error.code == .unauthorized)
        #expect(!error.isRetryable)
        #expect(error.httpStatus == 401)
        #expect(error.description.contains("Incorrect API key provided"))
        #expect(error.description.contains("(HTTP 401)"))
        #expect(error.description.contains(server.baseURL))
        #expect(error.description.contains("OPENAI_API_KEY"))
        for text in [error.description, error.debugDescription, String(reflecting: error)] {
            #expect(!text.contains(secret))
        }
        #expect(!recorder.all.contains { $0.text.contains(secret) })
        #expect(try await server.stats().requests == 1)
    }

    @Test func configurationDescriptionNeverShowsTheKey() {
        let secret = "sk-proj-very-secret-0123456789"
        let configuration = OpenAIEmbeddingConfiguration(baseURL: "https://user:pw@example.com/v1?k=1", apiKey: secret)
        var dumped = ""
        dump(configuration, to: &dumped)

        for text in ["\(configuration)", String(reflecting: configuration), dumped] {
            #expect(!text.contains(secret))
            #expect(!text.contains("pw@"))
        }
    }

    @Test func aServerMessageQuotingTheKeyIsRedactedWhateverFollowsIt() {
        let secret = "sk-proj-very-secret-0123456789"
        let configuration = OpenAIEmbeddingConfiguration(baseURL: "https://example.com/v1", apiKey: secret)
        // A combining accent after the key makes its last digit part of a longer character.
        for message in ["Incorrect API key provided: \(secret).", "key \(secret)\u{301} and again \(secret)\(secret)"] {
            let redacted = configuration.redactingSecrets(message)
            #expect(!redacted.utf8.elementsEqual(message.utf8))
            #expect(redacted.utf8.firstRange(of: "0123456789".utf8) == nil, "\(redacted)")
        }
        #expect(configuration.redactingSecrets("x \(secret) y") == "x *** y")
    }

    @Test func invalidConfigurationFailsWithoutARequest() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server) { $0.maxInputsPerRequest = 0 }

        let error = try #require(await embeddingError(client, ["x"]))

        #expect(error.code == .invalidConfiguration)
        #expect(try await server.stats().requests == 0)
    }
}
