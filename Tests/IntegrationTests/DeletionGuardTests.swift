// ragsync — a pass that would delete most of the index refuses (issue 14, the mass-deletion guard).

import Foundation
import RagsyncKit
import RagsyncTestSupport
import Testing

@Suite("Mass-deletion guard")
struct DeletionGuardTests {
    @Test func theDefaultLimitIsHalfOfTwentyOrMore() {
        let standard = DeletionGuard()
        #expect(!standard.refuses(deleting: 19, of: 19))
        #expect(!standard.refuses(deleting: 10, of: 20))
        #expect(standard.refuses(deleting: 11, of: 20))
        #expect(DeletionGuard(limit: .count(3)).refuses(deleting: 4, of: 1000))
        #expect(!DeletionGuard(limit: .none).refuses(deleting: 1000, of: 1000))
    }

    @Test func syncingTheWrongFolderDeletesNothingUntilAllowed() async throws {
        try await PipelineHarness.with { harness in
            for index in 0..<24 { try harness.write("notes/n\(index).md", "# Note \(index)\n\nText \(index).\n") }
            #expect(try await harness.sync().indexed == 24)
            // The folder is emptied as if the wrong directory were given: 20 of 24 documents vanish.
            for index in 0..<20 { try harness.remove("notes/n\(index).md") }

            let refused = try await harness.sync()
            #expect(refused.removed == 0)
            #expect(refused.refusedDeletionCount == 20)
            #expect(refused.refusedDeletion?.contains("RAGSYNC_MAX_DELETE=all") == true)
            #expect(try await harness.count("SELECT count(*) FROM ragsync_documents") == 24)

            let allowed = try await harness.sync(environment: ["RAGSYNC_MAX_DELETE": "all"])
            #expect(allowed.removed == 20)
            #expect(try await harness.count("SELECT count(*) FROM ragsync_documents") == 4)
        }
    }

    @Test func aFixedLimitCountsDocumentsPerPass() async throws {
        try await PipelineHarness.with { harness in
            for index in 0..<5 { try harness.write("n\(index).md", "# Note \(index)\n\nText \(index).\n") }
            _ = try await harness.sync()
            for index in 0..<3 { try harness.remove("n\(index).md") }
            #expect(try await harness.sync(environment: ["RAGSYNC_MAX_DELETE": "2"]).removed == 0)
            #expect(try await harness.sync(environment: ["RAGSYNC_MAX_DELETE": "3"]).removed == 3)
        }
    }
}

@Suite("Mass-deletion guard in the daemon")
struct DaemonDeletionGuardTests {
    @Test func theDaemonKeepsTheDocumentsAndSaysWhyInStatus() async throws {
        var files: [String: String] = [:]
        for index in 0..<24 { files["notes/n\(index).md"] = "# Note \(index)\n\nText \(index).\n" }
        try await WatchHarness.with(files: files) { harness in
            let seen = harness.daemon.notifications.count
            // The folder moved out of the tree in one rename: one event, one pass, 24 of 24 documents to delete.
            // (The unlinks of an rm -r arrive apart and may be split over passes: the limit is per pass, as rsync's
            // is per run.)
            let away = harness.content.deletingLastPathComponent().appendingPathComponent("away-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: away) }
            try FileManager.default.moveItem(at: harness.content.appendingPathComponent("notes"), to: away)
            let status = try await harness.daemon.waitForNotification(after: seen) {
                $0.value(of: "STATUS")?.contains("refused to delete 24 documents") == true
            }
            #expect(status.value(of: "STATUS")?.contains("RAGSYNC_MAX_DELETE") == true)
            #expect(try await harness.pipeline.count("SELECT count(*) FROM ragsync_documents") == 24)
        }
    }
}
