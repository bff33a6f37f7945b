// ragsync — WatchHarness: a running `ragsync watch` on a temporary folder, a fresh database and the local server.

import Foundation
import Postgres
import RagsyncTestSupport

/// A ``PipelineHarness`` with the daemon running on it, started and past its first reconcile.
struct WatchHarness {
    let pipeline: PipelineHarness
    let daemon: DaemonProcess

    var content: URL { pipeline.content }
    var client: PostgresClient { pipeline.client }
    var server: EmbeddingServerProcess { pipeline.server }

    /// Starts the daemon on a folder holding `files`, waits until it has indexed them, runs `body`, then stops the
    /// daemon with SIGTERM and checks that it exits 0.
    static func with(
        files: [String: String] = [:], environment extra: [String: String] = [:], serverArguments: [String] = [],
        _ body: (WatchHarness) async throws -> Void
    ) async throws {
        try await PipelineHarness.with(serverArguments: serverArguments) { pipeline in
            for (path, text) in files { try pipeline.write(path, text) }
            var environment = [
                "DATABASE_URL": pipeline.databaseURL, "OPENAI_BASE_URL": pipeline.server.baseURL,
                "RAGSYNC_DIRECT_DATABASE_URL": try TestDatabase.directURL(for: pipeline.databaseURL),
                "RAGSYNC_CONTENT_DIR": pipeline.content.path, "RAGSYNC_EMBEDDING_DIMENSIONS": "256",
                "RAGSYNC_EMBEDDING_RETRIES": "1", "RAGSYNC_EMBEDDING_TIMEOUT": "5",
                "PATH": "/usr/bin:/bin",
            ]
            environment.merge(extra) { _, new in new }
            let daemon = try DaemonProcess(environment: environment)
            let harness = WatchHarness(pipeline: pipeline, daemon: daemon)
            try await daemon.waitUntilReady()
            try await harness.waitUntilIdle()
            try await body(harness)
            daemon.send(SIGTERM)
            let status = try await daemon.waitForExit()
            guard status == 0 else {
                throw DaemonProcess.Failure(description: "ragsync watch exited \(status.map(String.init) ?? "never"):\n\(daemon.log)")
            }
        }
    }

    /// Waits for a STATUS saying the daemon is idle, after any notifications already seen.
    func waitUntilIdle(after index: Int = 0) async throws {
        try await daemon.waitForNotification(after: index) {
            let status = $0.value(of: "STATUS") ?? ""
            return status.hasPrefix("Watching") || status.hasPrefix("Polling")
        }
    }

    func write(_ path: String, _ text: String) throws { try pipeline.write(path, text) }

    /// The document's chunks joined, or nil when it is not in the database.
    func storedText(_ sourceFile: String) async throws -> String? {
        try await client.query(
            "SELECT string_agg(content, '|' ORDER BY chunk_index) FROM document_chunks WHERE source_file = $1",
            [sourceFile]
        ).scalar
    }

    /// Every `source_file` with chunks.
    func sourceFiles() async throws -> Set<String> {
        Set(try await client.query("SELECT DISTINCT source_file FROM document_chunks").rows.map { $0[0]! })
    }

    /// Polls the database until `condition` holds, failing with the daemon's log after `timeout`.
    func eventually(
        _ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DaemonProcess.Failure(description: "never: \(what)\nlog:\n\(daemon.log)")
    }

    /// Waits until the stored text of `sourceFile` contains `text`.
    func waitForText(_ sourceFile: String, containing text: String) async throws {
        try await eventually("\(sourceFile) stored with \"\(text)\"") {
            try await storedText(sourceFile)?.contains(text) == true
        }
    }

    /// Waits until `sourceFile` has no rows.
    func waitForRemoval(_ sourceFile: String) async throws {
        try await eventually("\(sourceFile) removed") { try await storedText(sourceFile) == nil }
    }
}

/// A short markdown document whose body is `text`.
func document(_ title: String, _ text: String) -> String {
    "---\ntitle: \(title)\ncategory: test\n---\n\n# \(title)\n\n\(text)\n"
}
