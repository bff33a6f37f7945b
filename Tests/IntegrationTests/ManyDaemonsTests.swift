// ragsync — three `ragsync watch` daemons on three folders feed one database (issue 14: scaling out).

import Foundation
import IndexStore
import Logging
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Many daemons, one database")
struct ManyDaemonsTests {
    /// Three hosts' content folders, each with files of its own names.
    private static let sites = ["north", "south", "west"]

    @Test func threeDaemonsEachKeepTheirFolderAndNoneDeletesAnothers() async throws {
        try await PipelineHarness.with { harness in
            let folders = try Self.sites.map { site in
                let folder = harness.content.appendingPathComponent(site)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for index in 0..<4 {
                    try Data(document("\(site) \(index)", "The \(site) site, page \(index).").utf8)
                        .write(to: folder.appendingPathComponent("\(site)-\(index).md"))
                }
                return folder
            }
            let daemons = try folders.map { folder in
                try DaemonProcess(environment: Self.environment(for: harness, folder: folder))
            }
            for daemon in daemons { try await Self.waitUntilWatching(daemon, documents: 4) }

            // Edits, a new file and a deletion in every folder, while all three run.
            for (site, folder) in zip(Self.sites, folders) {
                try Data(document("\(site) 0", "Edited on the \(site) host.").utf8)
                    .write(to: folder.appendingPathComponent("\(site)-0.md"))
                try Data(document("\(site) new", "New on the \(site) host.").utf8)
                    .write(to: folder.appendingPathComponent("\(site)-new.md"))
                try FileManager.default.removeItem(at: folder.appendingPathComponent("\(site)-3.md"))
            }
            try await Self.eventually(harness, daemons) {
                let edited = try await harness.count("SELECT count(*) FROM document_chunks WHERE content LIKE '%Edited on the %'")
                let documents = try await harness.count("SELECT count(*) FROM ragsync_documents")
                return edited == 3 && documents == 12
            }
            // A full reconcile in each (SIGHUP) must delete nothing of the others.
            let seen = daemons.map(\.notifications.count)
            for daemon in daemons { daemon.send(SIGHUP) }
            for (daemon, index) in zip(daemons, seen) { try await Self.waitUntilWatching(daemon, documents: 4, after: index) }
            for daemon in daemons {
                daemon.send(SIGTERM)
                #expect(try await daemon.waitForExit() == 0, "\(daemon.log)")
            }

            #expect(try await harness.count("SELECT count(*) FROM ragsync_sources") == 3)
            for (site, folder) in zip(Self.sites, folders) {
                let owned = try await harness.client.query(
                    "SELECT source_file FROM ragsync_documents WHERE source = $1 ORDER BY 1",
                    [try harness.configuration(environment: ["RAGSYNC_CONTENT_DIR": folder.path]).source]
                ).rows.compactMap { $0.first ?? nil }
                #expect(owned == ["\(site)-0.md", "\(site)-1.md", "\(site)-2.md", "\(site)-new.md"])
            }

            // The daemons' store equals the three folders synced once, cleanly, into another database.
            let daemonsStore = try await StoreInvariants.fingerprint(harness.client)
            let clean = try await TestDatabase.withFreshDatabase { url in
                let client = PostgresClient(url: url)
                _ = try await SchemaMigrator(dimensions: 256).migrate(on: client, logger: Logger(label: "test"))
                for folder in folders {
                    var environment = try Self.environment(for: harness, folder: folder)
                    environment["DATABASE_URL"] = url
                    environment["RAGSYNC_DIRECT_DATABASE_URL"] = try TestDatabase.directURL(for: url)
                    let sync = try ChildCommand.run([DaemonProcess.executable.path, "sync"], environment: environment)
                    #expect(sync.status == 0 && sync.output.contains("4 indexed"), "\(sync.output)")
                }
                return try await StoreInvariants.fingerprint(client)
            }
            #expect(daemonsStore == clean)
        }
    }

    private static func environment(for harness: PipelineHarness, folder: URL) throws -> [String: String] {
        [
            "DATABASE_URL": harness.databaseURL, "RAGSYNC_DIRECT_DATABASE_URL": try TestDatabase.directURL(for: harness.databaseURL),
            "OPENAI_BASE_URL": harness.server.baseURL, "RAGSYNC_CONTENT_DIR": folder.path,
            "RAGSYNC_EMBEDDING_DIMENSIONS": "256", "RAGSYNC_EMBEDDING_RETRIES": "1", "PATH": "/usr/bin:/bin",
        ]
    }

    private static func waitUntilWatching(_ daemon: DaemonProcess, documents: Int, after index: Int = 0) async throws {
        try await daemon.waitForNotification(after: index) {
            $0.value(of: "STATUS")?.hasPrefix("Watching \(documents) documents") == true
        }
    }

    /// Polls the database until `condition` holds, failing with the daemons' logs after 30 s.
    private static func eventually(
        _ harness: PipelineHarness, _ daemons: [DaemonProcess], _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DaemonProcess.Failure(description: "the daemons never settled:\n" + daemons.map(\.log).joined(separator: "\n---\n"))
    }
}
