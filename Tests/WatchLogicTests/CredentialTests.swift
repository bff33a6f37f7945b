// ragsync — the API key from systemd's credential directory, as the unit provides it.

import Foundation
import RagsyncKit
import Testing

@Suite("API key from systemd credentials")
struct CredentialTests {
    private func configuration(credential: String?, environmentKey: String? = nil) throws -> RagsyncConfiguration {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        if let credential {
            try Data(credential.utf8).write(to: directory.appendingPathComponent("openai_api_key"))
        }
        var environment = ["DATABASE_URL": "postgresql://u@localhost/db", "CREDENTIALS_DIRECTORY": directory.path]
        if let environmentKey { environment["OPENAI_API_KEY"] = environmentKey }
        return try RagsyncConfiguration(environment: environment)
    }

    @Test func theCredentialFileGivesTheKey() throws {
        #expect(try configuration(credential: "sk-from-credential\n").openAIAPIKey == "sk-from-credential")
    }

    @Test func theCredentialWinsOverTheEnvironment() throws {
        #expect(try configuration(credential: "sk-credential", environmentKey: "sk-env").openAIAPIKey == "sk-credential")
    }

    @Test func theUnitsEmptyPlaceholderMeansNoKeyFromTheCredential() throws {
        #expect(try configuration(credential: "\n", environmentKey: "sk-env").openAIAPIKey == "sk-env")
        #expect(try configuration(credential: "\n").openAIAPIKey == nil)
    }

    @Test func aKeyFileReachedThroughASymbolicLinkIsRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("key-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("secret")
        try Data("sk-linked\n".utf8).write(to: target)
        let link = directory.appendingPathComponent("openai_api_key")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        var overrides = RagsyncConfiguration.Overrides()
        overrides.openAIAPIKeyFile = link.path
        let configuration = try RagsyncConfiguration(
            environment: ["DATABASE_URL": "postgresql://u@localhost/db"], overrides: overrides)
        #expect(configuration.openAIAPIKey == "sk-linked")
    }

    /// `--openai-api-key-file <(pass show openai)` gives a pipe, read to its end.
    @Test func aKeyFileThatIsAPipeIsReadToItsEnd() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("key-pipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pipe = directory.appendingPathComponent("key").path
        #expect(mkfifo(pipe, 0o600) == 0)
        // The writer's open waits for the reader's, and its close is the reader's end of file.
        let writer = Thread {
            let descriptor = open(pipe, O_WRONLY)
            guard descriptor >= 0 else { return }
            _ = "sk-piped\n".withCString { write(descriptor, $0, 9) }
            close(descriptor)
        }
        writer.start()
        var overrides = RagsyncConfiguration.Overrides()
        overrides.openAIAPIKeyFile = pipe
        let configuration = try RagsyncConfiguration(
            environment: ["DATABASE_URL": "postgresql://u@localhost/db"], overrides: overrides)
        #expect(configuration.openAIAPIKey == "sk-piped")
    }
}
