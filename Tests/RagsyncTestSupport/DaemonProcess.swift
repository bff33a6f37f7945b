// ragsync — DaemonProcess: a real `ragsync watch` child process, observed through its notify socket and stderr.

public import Foundation

/// Runs the built `ragsync watch` with `NOTIFY_SOCKET` pointing at a ``NotifySocket`` the test owns, records every
/// notification it sends and its stderr, and lets the test wait for them.
public final class DaemonProcess: @unchecked Sendable {  // mutable state is behind `lock`
    /// One datagram the daemon sent, with when it arrived.
    public struct Notification: Sendable {
        public var text: String
        public var at: ContinuousClock.Instant

        /// The value of `KEY=` in this datagram.
        public func value(of key: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    private let process = Process()
    private let socket: NotifySocket
    private let stderrFile: URL
    private let lock = NSLock()
    private var received: [Notification] = []
    private var isListening = true

    /// The built binary.
    public static var executable: URL {
        TestDatabase.repositoryRoot.appendingPathComponent(".build/debug/ragsync")
    }

    /// Starts `ragsync watch`.
    /// - Parameter environment: the daemon's whole environment (NOTIFY_SOCKET is added).
    public init(environment: [String: String]) throws {
        socket = try NotifySocket()
        socket.setReceiveTimeout(.milliseconds(100))
        stderrFile = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-watch-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw Failure(description: "\(Self.executable.path) is missing; run `swift build` (make test does)")
        }
        process.executableURL = Self.executable
        process.arguments = ["watch"]
        var environment = environment
        environment["NOTIFY_SOCKET"] = socket.path
        process.environment = environment
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let thread = Thread { [weak self] in
            while let self, self.lock.withLock({ self.isListening }) { self.receiveOne() }
        }
        thread.name = "notify-listener"
        thread.start()
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        lock.withLock { isListening = false }
        try? FileManager.default.removeItem(at: stderrFile)
    }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// Everything received so far.
    public var notifications: [Notification] {
        lock.withLock { received }
    }

    /// What the daemon wrote on stderr so far.
    public var log: String {
        (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
    }

    /// Sends a signal to the daemon.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits until a notification satisfies `predicate`.
    /// - Returns: the first such notification received after `index` (use `notifications.count` to skip earlier
    ///   ones).
    /// - Throws: `Failure` with the daemon's log after `timeout`, or when the daemon exits first.
    @discardableResult
    public func waitForNotification(
        after index: Int = 0, timeout: Duration = .seconds(20), _ predicate: (Notification) -> Bool
    ) async throws -> Notification {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let all = notifications
            if index < all.count, let match = all[index...].first(where: predicate) { return match }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Failure(
            description: "no matching notification within \(timeout); received: "
                + notifications.map(\.text).joined(separator: " | ") + "\nlog:\n" + log)
    }

    /// Waits for READY=1.
    public func waitUntilReady() async throws {
        try await waitForNotification { $0.value(of: "READY") == "1" }
    }

    /// Waits until stderr contains `text`, at least `occurrences` times.
    public func waitForLog(_ text: String, occurrences: Int = 1, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if logCount(of: text) >= occurrences { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Failure(description: "the log never contained \"\(text)\":\n\(log)")
    }

    /// Waits for the next `KEY=value` notification from now on (e.g. the next watchdog ping).
    public func waitForNext(_ key: String, value: String = "1", timeout: Duration = .seconds(20)) async throws {
        let from = notifications.count
        try await waitForNotification(after: from, timeout: timeout) { $0.value(of: key) == value }
    }

    /// How many times stderr contains `text` so far.
    public func logCount(of text: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    /// Waits for the process to end.
    /// - Returns: its exit status, or nil when it had to be killed after `timeout`.
    public func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    private func receiveOne() {
        guard let text = try? socket.receive() else { return }
        let notification = Notification(text: text, at: .now)
        lock.withLock { received.append(notification) }
    }
}
