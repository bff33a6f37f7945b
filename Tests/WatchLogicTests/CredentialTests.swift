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
}
