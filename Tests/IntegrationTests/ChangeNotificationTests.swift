// ragsync — every committed document is announced on the `ragsync` channel, also when written through a pooler.

import Foundation
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Change notifications")
struct ChangeNotificationTests {
    @Test func aCommittedDocumentIsAnnouncedOnTheRagsyncChannel() async throws {
        try await PipelineHarness.with { harness in
            let store = try await harness.store()
            // LISTEN needs a session: through a transaction pooler (make test-pooler) it goes to the server directly,
            // while the writes below go through the pooler.
            let listener = try PostgresConnection(url: try TestDatabase.directURL(for: harness.databaseURL))
            try listener.execute("LISTEN ragsync")
            var generator = ClusteredVectors(dimensions: 256, clusters: 2, seed: 1)
            _ = try await generator.fill(store, from: 0, to: 3, chunksPerDocument: 3)
            let notifications = try listener.waitForNotifications(timeout: .seconds(10))
            let first = try #require(notifications.first)
            #expect(first.channel == "ragsync")
            let payload = try JSONSerialization.jsonObject(with: Data(first.payload.utf8)) as? [String: Any]
            #expect(payload?["action"] as? String == "indexed")
            #expect(payload?["source_file"] as? String == "synthetic/doc0.md")
            #expect(payload?["chunks"] as? Int == 3)
            #expect(payload?["source"] as? String == store.source)
        }
    }
}
