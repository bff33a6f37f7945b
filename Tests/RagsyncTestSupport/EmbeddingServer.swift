// ragsync — EmbeddingServerProcess: runs scripts/embedding_server.py for tests and benchmarks.

public import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A local OpenAI-compatible embedding server (`scripts/embedding_server.py`) in a child process.
///
/// The server binds 127.0.0.1 on a free port and exits when this object is stopped or deinitialised, and also
/// when the test process dies (it watches its stdin).
public final class EmbeddingServerProcess: @unchecked Sendable {  // mutable state is behind `lock`
    /// Failures to start or control the server.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Counters of the server since start or the last `reset()`.
    public struct Stats: Sendable, Equatable {
        /// Embedding requests received, faulted ones included.
        public var requests: Int
        /// Texts embedded by requests that were answered normally.
        public var inputs: Int

        /// Creates counters, for comparisons.
        public init(requests: Int, inputs: Int) {
            self.requests = requests
            self.inputs = inputs
        }
    }

    /// The API root, e.g. `http://127.0.0.1:40123/v1`.
    public let baseURL: String
    /// The port the server listens on.
    public let port: Int

    private let process: Process
    private let stdinPipe: Pipe
    private let lock = NSLock()
    private var isStopped = false

    /// The repository root, found from this file's path (`Tests/RagsyncTestSupport/EmbeddingServer.swift`).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Starts the server and waits (up to `startTimeout`) for its `PORT n` line, on a thread of its own.
    ///
    /// Use this from async code rather than `init`: waiting for python to start blocks, and a hundred tests starting
    /// servers at once on the cooperative pool (two threads here) held every other test's wake-ups back, so that a
    /// 300 ms sleep in one test could last 18 s.
    /// - Parameters: see ``init(arguments:startTimeout:)``.
    public static func start(arguments: [String] = [], startTimeout: Duration = .seconds(60)) async throws
        -> EmbeddingServerProcess
    {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try EmbeddingServerProcess(arguments: arguments, startTimeout: startTimeout) })
            }
            thread.name = "embedding-server-start"
            thread.start()
        }
    }

    /// Starts the server and waits (up to `startTimeout`) for its `PORT n` line; blocks the calling thread.
    /// - Parameters:
    ///   - arguments: extra options such as `["--no-base64"]`, `["--api-key", "sk-…"]`, `["--latency-ms", "5"]`.
    ///   - startTimeout: how long to wait for the port. Python prints it in 0.1 s on an idle machine; a hundred tests
    ///     starting servers and daemons at once on 2 cores once kept two of them waiting past 15 s. The wait lasts
    ///     only as long as python needs, so the limit is generous.
    /// - Throws: `Failure` when python3 or the script cannot be started or prints no port in time.
    public init(arguments: [String] = [], startTimeout: Duration = .seconds(60)) throws {
        let script = Self.repositoryRoot.appendingPathComponent("scripts/embedding_server.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--port", "0", "--exit-on-stdin-eof"] + arguments
        let stdoutPipe = Pipe()
        let stdinPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardInput = stdinPipe
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start python3 \(script): \(error)")
        }
        let started = ContinuousClock.now
        let line = Self.readLine(from: stdoutPipe.fileHandleForReading.fileDescriptor, timeout: startTimeout)
        guard let line, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)), port > 0 else {
            let waited = ContinuousClock.now - started
            let exited = process.isRunning ? "still running" : "exited with status \(process.terminationStatus)"
            kill(process.processIdentifier, SIGKILL)
            throw Failure(
                description: "\(script) printed no \"PORT n\" line (got \(line.map { "\"\($0)\"" } ?? "nothing") in \(waited), "
                    + "\(exited)); run it by hand to see why: python3 \(script) --port 0"
            )
        }
        self.process = process
        self.stdinPipe = stdinPipe
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)/v1"
    }

    deinit {
        stop()
    }

    /// Terminates the server and waits for it; later calls do nothing.
    public func stop() {
        lock.lock()
        let wasStopped = isStopped
        isStopped = true
        lock.unlock()
        guard !wasStopped else { return }
        try? stdinPipe.fileHandleForWriting.close()  // the server also exits on stdin EOF
        if process.isRunning { process.terminate() }
        // The wait for its end (SIGKILL if SIGTERM is not enough) runs on a thread of its own: `stop()` is called from
        // tests' `defer`, on the cooperative pool, which must not block.
        let process = self.process
        let reaper = Thread {
            let deadline = ContinuousClock.now + .seconds(3)
            while process.isRunning && ContinuousClock.now < deadline { usleep(5_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        reaper.name = "embedding-server-stop"
        reaper.start()
    }

    /// The server's counters.
    /// - Returns: requests received and inputs embedded since start or the last `reset()`.
    public func stats() async throws -> Stats {
        let data = try await control("GET", "/_stats", body: nil)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let requests = object["requests"] as? Int, let inputs = object["inputs"] as? Int
        else { throw Failure(description: "unexpected /_stats answer") }
        return Stats(requests: requests, inputs: inputs)
    }

    /// Zeroes the counters and clears faults.
    public func reset() async throws {
        _ = try await control("POST", "/_reset", body: [:])
    }

    /// Makes the next embedding requests fail.
    /// - Parameters:
    ///   - mode: `429`, `500`, `slow`, `malformed`, `wrong_dimension`, `close` or `401`.
    ///   - count: how many following embedding requests get the fault; -1 until `reset()`.
    ///   - retryAfter: the `Retry-After` seconds of a 429.
    ///   - delayMs: the delay of `slow`.
    ///   - after: requests served normally before the fault starts.
    public func injectFault(
        mode: String, count: Int = 1, retryAfter: Int? = nil, delayMs: Int? = nil, after: Int = 0
    ) async throws {
        var body: [String: Any] = ["mode": mode, "count": count, "after": after]
        if let retryAfter { body["retry_after"] = retryAfter }
        if let delayMs { body["delay_ms"] = delayMs }
        _ = try await control("POST", "/_faults", body: body)
    }

    private func control(_ method: String, _ path: String, body: [String: Any]?) async throws -> Data {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
            throw Failure(description: "\(method) \(path) failed: \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    /// Reads one line from `fd`, waiting at most `timeout` in total; nil when it timed out or the pipe closed.
    private static func readLine(from fd: Int32, timeout: Duration) -> String? {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno != EINTR { return nil }
            guard ready > 0 else { continue }
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }  // a signal (a child's SIGCHLD) is not the end of the line
            guard count == 1 else { return nil }  // EOF: the process ended
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }
}
