// ragsync — helpers for the embedding client tests: a recording log handler and client factory.

import Embedding
import Foundation
import Logging
import RagsyncTestSupport

/// Keeps every log message, for assertions on retries and on secrets.
final class LogRecorder: @unchecked Sendable {  // `entries` is behind `lock`
    struct Entry: Sendable {
        var level: Logger.Level
        var text: String
    }

    private let lock = NSLock()
    private var entries: [Entry] = []

    func append(_ entry: Entry) {
        lock.lock()
        entries.append(entry)
        lock.unlock()
    }

    var all: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    var warningCount: Int { all.filter { $0.level == .warning }.count }

    var logger: Logger {
        Logger(label: "ragsync.embedding.test") { _ in RecordingLogHandler(recorder: self) }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.append(.init(level: event.level, text: "\(event.message) \(merged)"))
    }
}

/// A client of `server` with small backoffs; `configure` adjusts the rest.
func makeClient(
    _ server: EmbeddingServerProcess,
    dimensions: Int = 64,
    configure: (inout OpenAIEmbeddingConfiguration) -> Void = { _ in }
) -> (OpenAIEmbeddingClient, LogRecorder) {
    var configuration = OpenAIEmbeddingConfiguration(
        baseURL: server.baseURL,
        dimensions: dimensions,
        connectTimeout: .seconds(2),
        requestTimeout: .seconds(10),
        maxRetries: 4,
        initialBackoff: .milliseconds(10),
        maxBackoff: .milliseconds(50)
    )
    configure(&configuration)
    let recorder = LogRecorder()
    return (OpenAIEmbeddingClient(configuration: configuration, logger: recorder.logger), recorder)
}

/// The Euclidean length of a vector.
func norm(_ vector: [Float]) -> Float {
    vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
}

/// Embeds `texts` and returns the `EmbeddingError` thrown, or nil when it succeeds.
func embeddingError(_ client: some EmbeddingProvider, _ texts: [String]) async -> EmbeddingError? {
    do {
        _ = try await client.embed(texts)
        return nil
    } catch {
        return error
    }
}
