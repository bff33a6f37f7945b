// ragsync — a database that crashes again and again during a cold index leaves no trace in the result.

import Foundation
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Database crashes")
struct DatabaseCrashTests {
    /// A PostgreSQL instance of its own (scripts/db.sh with RAGSYNC_DATA_DIR), so crashing it disturbs no other test.
    private final class PrivateDatabase {
        let dataDirectory = "/tmp/ragsync-crash-db-\(UUID().uuidString)"

        func run(_ command: String) throws -> String {
            let script = TestDatabase.repositoryRoot.appendingPathComponent("scripts/db.sh").path
            let environment = ProcessInfo.processInfo.environment.merging(["RAGSYNC_DATA_DIR": dataDirectory]) { $1 }
            let (status, output) = try ChildCommand.run(["/bin/bash", script, command], environment: environment)
            guard status == 0 else { throw TestSetupError("scripts/db.sh \(command) failed: \(output)") }
            return output.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        deinit {
            _ = try? run("stop")
            try? FileManager.default.removeItem(atPath: dataDirectory)
        }
    }

    @Test func crashingTheDatabaseTwentyTimesDuringAColdIndexLosesNothing() async throws {
        let database = PrivateDatabase()
        _ = try database.run("start")
        let url = try database.run("url")
        let server = try await EmbeddingServerProcess.start()
        defer { server.stop() }
        let content = FileManager.default.temporaryDirectory.appendingPathComponent("crash-db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: content) }
        for index in 0..<500 {
            let file = content.appendingPathComponent("f\(index % 6)/doc\(index).md")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(document("Doc \(index)", SampleText.paragraph(index) + "\n\n" + SampleText.paragraph(index + 500)).utf8)
                .write(to: file)
        }
        var environment = [
            "DATABASE_URL": url, "OPENAI_BASE_URL": server.baseURL, "RAGSYNC_CONTENT_DIR": content.path,
            "RAGSYNC_EMBEDDING_DIMENSIONS": "256", "PATH": "/usr/bin:/bin",
        ]
        let daemon = try DaemonProcess(environment: environment)
        try await daemon.waitUntilReady()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...400, using: &generator)))
            _ = try database.run("crash")
            _ = try database.run("start")
            #expect(try database.run("url") == url, "the restarted server keeps its port")
        }
        try await daemon.waitForNotification(timeout: .seconds(120)) {
            $0.value(of: "STATUS")?.hasPrefix("Watching 500 documents") == true
        }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let client = PostgresClient(url: url)
        try await StoreInvariants.check(client, documents: 500)
        let survived = try await StoreInvariants.fingerprint(client)

        let clean = try await TestDatabase.withFreshDatabase { cleanURL in
            environment["DATABASE_URL"] = cleanURL
            let daemon = try DaemonProcess(environment: environment)
            try await daemon.waitForNotification { $0.value(of: "STATUS")?.hasPrefix("Watching 500 documents") == true }
            daemon.send(SIGTERM)
            _ = try await daemon.waitForExit()
            return try await StoreInvariants.fingerprint(PostgresClient(url: cleanURL))
        }
        #expect(survived == clean)
        let outages = daemon.log.split(separator: "\n").filter { $0.contains("action=retry") }.count
        print("the daemon survived 20 database crashes; \(outages) pass(es) failed and were retried")
    }
}
