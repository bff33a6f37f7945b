// ragsync — TestDatabase: a fresh database on the real PostgreSQL + pgvector for each test.

public import Foundation
import Postgres

/// Creates a database of its own for one test on the server that `make test` starts, and drops it afterwards.
///
/// The server comes from `RAGSYNC_TEST_DATABASE_URL`, or else from `scripts/db.sh url`. When neither answers the test
/// fails with a message saying how to start the database; it never skips.
public enum TestDatabase {
    /// The administrative URL of the test server.
    public static func serverURL() throws -> String {
        if let url = ProcessInfo.processInfo.environment["RAGSYNC_TEST_DATABASE_URL"], !url.isEmpty {
            return url
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/db.sh").path, "url"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let url = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !url.isEmpty else {
            throw TestSetupError(
                "no test database: run `make test` (which starts it), or `scripts/db.sh start`, "
                    + "or set RAGSYNC_TEST_DATABASE_URL to a PostgreSQL server with pgvector")
        }
        return url
    }

    /// The pooler in front of the test server (`RAGSYNC_TEST_POOLER_URL`, set by `make test-pooler`), or nil.
    public static var poolerURL: String? {
        guard let url = ProcessInfo.processInfo.environment["RAGSYNC_TEST_POOLER_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// The server's own URL for the database that `url` names: `url` itself, unless it goes through the pooler. Given
    /// to ragsync as RAGSYNC_DIRECT_DATABASE_URL, as a Supabase user gives the direct connection beside the pooler's.
    public static func directURL(for url: String) throws -> String {
        guard let pooler = poolerURL, let pooled = URLComponents(string: url), let poolerComponents = URLComponents(string: pooler),
            pooled.host == poolerComponents.host, pooled.port == poolerComponents.port
        else { return url }
        return replacingDatabase(in: try serverURL(), with: String(pooled.path.dropFirst()))
    }

    /// Runs `body` with the URL of a new, empty database that has the `vector` extension, then drops it. With a pooler
    /// configured (``poolerURL``) the URL goes through it.
    public static func withFreshDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let server = try serverURL()
        let name = "ragsync_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = PostgresClient(url: server)
        do {
            // The name is generated above from hex digits; CREATE DATABASE takes no parameters.
            try await admin.query("CREATE DATABASE \(name)")
        } catch {
            throw TestSetupError(
                "cannot create a test database on \(admin.redactedTarget): \(error). Is it running? "
                    + "Start it with `scripts/db.sh start` (or `make test`).")
        }
        // The admin connection is not held while the test runs: a hundred tests run at once, each with connections
        // of its own, and PostgreSQL's max_connections (400 here) counts idle ones too.
        await admin.disconnect()
        let url = replacingDatabase(in: poolerURL ?? server, with: name)
        do {
            let result = try await body(url)
            try await admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            _ = try? await admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// The URL with its path (database name) replaced.
    public static func replacingDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }

    /// The repository's root folder, found from this file's path.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}

/// A test's environment is missing something; the message says how to provide it.
public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
