// ragsync — ProcessSignals: SIGTERM, SIGINT and SIGHUP as an async sequence.

import Dispatch
import Glibc

/// The signals the daemon acts on, delivered as values instead of interrupting whatever runs.
public enum ProcessSignal: Sendable, Equatable {
    /// SIGTERM or SIGINT: stop gracefully.
    case terminate
    /// SIGHUP: reload (full reconcile, re-read the API key).
    case reload

    /// Starts receiving the signals; their default actions are disabled while the stream lives.
    public static func stream() -> AsyncStream<ProcessSignal> {
        AsyncStream(bufferingPolicy: .bufferingNewest(4)) { continuation in
            let handled: [(Int32, ProcessSignal)] = [(SIGTERM, .terminate), (SIGINT, .terminate), (SIGHUP, .reload)]
            let sources = handled.map { number, value in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(value) }
                source.resume()
                return source
            }
            let box = SignalSources(sources)
            continuation.onTermination = { _ in box.cancel() }
        }
    }
}

/// Keeps the dispatch sources alive until the stream ends.
private final class SignalSources: @unchecked Sendable {
    // Written once in init; `cancel` is thread-safe in Dispatch.
    private let sources: [any DispatchSourceSignal]

    init(_ sources: [any DispatchSourceSignal]) {
        self.sources = sources
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
