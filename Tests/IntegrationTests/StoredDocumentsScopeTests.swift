// ragsync — a watcher's pass reads the records of the documents it compares, and only those.

import IndexStore
import Logging
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Stored documents read for a pass's scope")
struct StoredDocumentsScopeTests {
    @Test func aScopeReturnsItsFilesAndEverythingUnderItsFoldersOnly() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let report = try await SchemaMigrator(dimensions: 3).migrate(on: client, logger: Logger(label: "test"))
            let store = DocumentStore(client: client, schema: report.schema, model: "scope-test", source: "scope-test")
            let paths = ["top.md", "notes/a.md", "notes/deep/b.md", "notes-old/c.md", "other/d.md"]
            for path in paths { try await store.recordFailure(path, contentHash: nil, error: "placeholder") }

            let scoped = try await store.documents(paths: ["other/d.md", "missing.md"], folders: ["notes"])
            #expect(Set(scoped.keys) == ["other/d.md", "notes/a.md", "notes/deep/b.md"], "notes-old is not under notes")
            let whole = try await store.documents(paths: [], folders: [""])
            #expect(Set(whole.keys) == Set(paths))
            #expect(try await store.documents(paths: [], folders: []).isEmpty)
        }
    }
}
