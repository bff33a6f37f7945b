// ragsync — OpenAIEmbeddingClient retries, against faults injected into the local embedding server.

import Embedding
import Foundation
import RagsyncTestSupport
import Testing

@Suite struct EmbeddingRetryTests {
    @Test func rateLimitedTwiceWithRetryAfterThenSucceeds() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, recorder) = makeClient(server)
        try await server.injectFault(mode: "429", count: 2, retryAfter: 1)

        let start = ContinuousClock.now
        let response = try await client.embed(["rate limited text"])

        #expect(response.vectors.count == 1)
        #expect(response.retryCount == 2)
        #expect(recorder.warningCount == 2)
        #expect(recorder.all.contains { $0.text.contains("delay_ms") && $0.text.contains("1000") })
        #expect(ContinuousClock.now - start >= .milliseconds(1500))  // Retry-After honoured, not the 10 ms backoff
        #expect(try await server.stats() == .init(requests: 3, inputs: 1))
    }

    @Test func serverErrorThenSucceeds() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, recorder) = makeClient(server)
        try await server.injectFault(mode: "500", count: 1)

        let response = try await client.embed(["one", "two"])

        #expect(response.vectors.count == 2)
        #expect(response.retryCount == 1)
        #expect(recorder.warningCount == 1)
        #expect(try await server.stats() == .init(requests: 2, inputs: 2))
    }

    @Test func slowResponsePastRequestTimeoutIsRetried() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, recorder) = makeClient(server) { $0.requestTimeout = .seconds(1) }
        try await server.injectFault(mode: "slow", count: 1, delayMs: 4000)

        let response = try await client.embed(["slow"])

        // The stalled request is retried and a later one answers. On a loaded machine a prompt answer can also miss
        // the timeout once more, so the count is checked against the requests the server saw, not a fixed number.
        #expect(response.vectors.count == 1)
        #expect(response.retryCount >= 1)
        #expect(recorder.all.contains { $0.level == .warning && $0.text.contains("did not answer in time") })
        #expect(try await server.stats().requests == response.retryCount + 1)
    }

    @Test func connectionClosedWithoutAnswerIsRetried() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server)
        try await server.injectFault(mode: "close", count: 1)

        let response = try await client.embed(["closed"])

        #expect(response.vectors.count == 1)
        #expect(response.retryCount == 1)
        #expect(try await server.stats() == .init(requests: 2, inputs: 1))
    }

    @Test func malformedJSONOnceIsRetriedThenSucceeds() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server)
        try await server.injectFault(mode: "malformed", count: 1)

        let response = try await client.embed(["text"])

        #expect(response.vectors.count == 1)
        #expect(response.retryCount == 1)
    }

    @Test func permanentlyMalformedResponseFailsWithMalformedResponse() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server)
        try await server.injectFault(mode: "malformed", count: -1)

        let error = try #require(await embeddingError(client, ["text"]))

        #expect(error.code == .malformedResponse)
        #expect(error.attempts == 3)  // two retries for malformed answers, not maxRetries
        #expect(try await server.stats().requests == 3)
    }

    @Test func wrongDimensionFailsWithDimensionMismatch() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server)
        try await server.injectFault(mode: "wrong_dimension", count: -1)

        let error = try #require(await embeddingError(client, ["text"]))

        #expect(error.code == .dimensionMismatch)
        #expect(error.description.contains("65 dimensions"))
        #expect(error.description.contains("64"))
    }

    @Test func connectionRefusedFailsWithConnectionFailedAfterRetries() async throws {
        let stopped = try await EmbeddingServerProcess.start()
        stopped.stop()
        let (client, recorder) = makeClient(stopped) { $0.maxRetries = 2 }

        let error = try #require(await embeddingError(client, ["nobody listens"]))

        #expect(error.code == .connectionFailed)
        #expect(error.attempts == 3)
        #expect(recorder.warningCount == 2)
        #expect(error.description.contains("127.0.0.1:\(stopped.port)"))
    }

    @Test func cancellationStopsRetriesPromptly() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server) {
            $0.initialBackoff = .seconds(30)
            $0.maxBackoff = .seconds(30)
        }
        try await server.injectFault(mode: "429", count: -1, retryAfter: 30)

        let task = Task { await embeddingError(client, ["cancel me"]) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let error = await task.value

        // The order of events, not a time bound: every answer is a 429 asking for 30 s, so an error other than
        // `cancelled` (rateLimited after the retries) would mean the cancel never reached the wait.
        #expect(error?.code == .cancelled)
    }

    @Test func cancellationAbortsATransferInProgress() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server) { $0.requestTimeout = .seconds(30) }
        try await server.injectFault(mode: "slow", count: 1, delayMs: 20_000)

        let task = Task { await embeddingError(client, ["cancel me"]) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let error = await task.value

        // The order of events, not a time bound: the stalled answer is a success once it comes, so `cancelled` means
        // the transfer was aborted (or never started), whatever the machine's load.
        #expect(error?.code == .cancelled)
    }

    @Test func aCancelBeforeTheRequestStartsSendsNothing() async throws {
        let server = try await EmbeddingServerProcess.start()
        let (client, _) = makeClient(server)
        let task = Task {
            // Cancelled before it is called: withTaskCancellationHandler runs the handler before the transfer.
            while !Task.isCancelled { await Task.yield() }
            return await embeddingError(client, ["never sent"])
        }
        task.cancel()
        let error = await task.value

        #expect(error?.code == .cancelled)
        #expect(try await server.stats().requests == 0)
    }

    @Test func aCancelReachesEachOfTwoClientsTransfers() async throws {
        // Two clients stalled at once: each cancel aborts its own transfer, neither waits for the other's thread.
        let server = try await EmbeddingServerProcess.start()
        try await server.injectFault(mode: "slow", count: 2, delayMs: 20_000)
        let (first, _) = makeClient(server) { $0.requestTimeout = .seconds(30) }
        let (second, _) = makeClient(server) { $0.requestTimeout = .seconds(30) }
        let one = Task { await embeddingError(first, ["first"]) }
        let two = Task { await embeddingError(second, ["second"]) }
        while try await server.stats().requests < 2 { try await Task.sleep(for: .milliseconds(20)) }
        one.cancel()
        two.cancel()

        let (firstError, secondError) = (await one.value, await two.value)
        #expect(firstError?.code == .cancelled, "\(String(describing: firstError))")
        #expect(secondError?.code == .cancelled, "\(String(describing: secondError))")
    }
}
