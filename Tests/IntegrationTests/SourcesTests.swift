// ragsync — two content folders feed one database: each pass sees and deletes only its own source (issue 14).

import Foundation
import IndexStore
import RagsyncKit
import RagsyncTestSupport
import Testing

@Suite("Sources: many content folders, one database")
struct SourcesTests {
    /// A second content folder beside the harness's own, removed afterwards.
    private static func withSecondFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(folder)
    }

    private static func write(_ text: String, to path: String, in folder: URL) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(path))
    }

    @Test func syncingASecondFolderDeletesNothingOfTheFirst() async throws {
        try await PipelineHarness.with { harness in
            try await Self.withSecondFolder { second in
                try harness.write("a.md", "# A\n\nAlpha, about sailing.\n")
                try Self.write("# B\n\nBeta, about climbing.\n", to: "b.md", in: second)
                #expect(try await harness.sync().indexed == 1)

                let other = try await harness.sync(environment: ["RAGSYNC_CONTENT_DIR": second.path])
                #expect(other.indexed == 1)
                #expect(other.removed == 0)
                #expect(try await harness.count("SELECT count(*) FROM document_chunks WHERE source_file = 'a.md'") == 1)
                // And back: the first folder's pass leaves b.md alone too.
                #expect(try await harness.sync().removed == 0)
                #expect(try await harness.count("SELECT count(*) FROM ragsync_documents") == 2)

                let sources = try await harness.store().sources()
                #expect(sources.map(\.documents) == [1, 1])
                #expect(Set(sources.compactMap(\.contentDirectory)) == [harness.content.path, second.path])
            }
        }
    }

    @Test func theSamePathInTwoSourcesIsTwoDocuments() async throws {
        try await PipelineHarness.with { harness in
            try await Self.withSecondFolder { second in
                try harness.write("about.md", "# About\n\nThe first site's page, about sailing.\n")
                try Self.write("# About\n\nThe second site's page, about climbing.\n", to: "about.md", in: second)
                let secondSite = ["RAGSYNC_CONTENT_DIR": second.path]
                #expect(try await harness.sync().indexed == 1)
                #expect(try await harness.sync(environment: secondSite).indexed == 1)
                #expect(try await harness.sync().unchanged == 1, "the first site's pass leaves the second's page alone")
                #expect(try await Self.pages(harness) == ["The first site's page, about sailing.", "The second site's page, about climbing."])
                // One row per document is one per site, each naming its source.
                let vector = try await harness.client.query("SELECT embedding::text FROM chunk_embeddings LIMIT 1").scalar
                for function in ["match_document_chunks($1::vector, 10, '{}', true)",
                                 "hybrid_search_document_chunks('about', $1::vector, 10, '{}', one_per_document => true)"] {
                    let sources = try await harness.client.query(
                        "SELECT source FROM \(function) WHERE source_file = 'about.md'", [vector]
                    ).rows.compactMap { $0.first ?? nil }
                    #expect(Set(sources) == [try harness.configuration().source, try harness.configuration(environment: secondSite).source], "\(function)")
                }

                // An edit and a deletion in one site touch that site's page only.
                try Self.write("# About\n\nThe second site's page, edited.\n", to: "about.md", in: second)
                _ = try await harness.sync(environment: secondSite)
                #expect(try await Self.pages(harness) == ["The first site's page, about sailing.", "The second site's page, edited."])
                try harness.remove("about.md")
                #expect(try await harness.sync().removed == 1)
                #expect(try await Self.pages(harness) == ["The second site's page, edited."])
                #expect(try await harness.count("SELECT count(*) FROM ragsync_documents") == 1)

                // Removing a source on purpose removes its page and nothing of the other's.
                try harness.write("about.md", "# About\n\nThe first site's page again.\n")
                _ = try await harness.sync()
                let removed = try await DocumentStore.removeSource(
                    try harness.configuration().source, client: harness.client,
                    schema: try await harness.store().schema, model: "text-embedding-3-small")
                #expect(removed?.documents == 1)
                #expect(try await Self.pages(harness) == ["The second site's page, edited."])
                #expect(try await harness.count("SELECT count(*) FROM chunk_embeddings") == 1)
            }
        }
    }

    /// The body line of every stored `about.md` chunk, sorted.
    private static func pages(_ harness: PipelineHarness) async throws -> [String] {
        try await harness.client.query(
            "SELECT content FROM document_chunks WHERE source_file = 'about.md'"
        ).rows.compactMap { $0.first ?? nil }.compactMap { $0.split(separator: "\n").last.map(String.init) }.sorted()
    }

    @Test func documentsFromBeforeSourcesAreAdoptedByTheFirstPassAndNeverDeletedByALaterSource() async throws {
        try await PipelineHarness.with { harness in
            try await Self.withSecondFolder { second in
                try harness.write("old.md", "# Old\n\nWritten before sources existed.\n")
                _ = try await harness.sync()
                try await harness.client.query("UPDATE ragsync_documents SET source = ''")
                try await harness.client.query("UPDATE ragsync_chunks SET source = ''")
                try await harness.client.query("DELETE FROM ragsync_sources")

                // The first full pass adopts the unowned document (its file is there: nothing changes).
                let adopting = try await harness.sync()
                #expect(adopting.unchanged == 1)
                let owner = try await harness.client.query("SELECT source FROM ragsync_documents").scalar
                #expect(owner == (try harness.configuration().source))

                // A later source, whose folder lacks old.md, leaves it alone.
                try Self.write("# New\n\nAnother folder.\n", to: "new.md", in: second)
                let later = try await harness.sync(environment: ["RAGSYNC_CONTENT_DIR": second.path])
                #expect(later.removed == 0)
                #expect(try await harness.count("SELECT count(*) FROM ragsync_documents") == 2)
            }
        }
    }

    @Test func aFolderThatMovedIsNoticedAsACopyOfItsOldSource() async throws {
        try await PipelineHarness.with { harness in
            try await Self.withSecondFolder { moved in
                for index in 0..<12 {
                    let text = "# Page \(index)\n\nThe text of page \(index).\n"
                    try harness.write("page-\(index).md", text)
                    try Self.write(text, to: "page-\(index).md", in: moved)
                }
                let first = try await harness.sync()
                #expect(first.likelyCopyOf == nil)
                // The folder's new path gives it a new default name: its first pass indexes it all again.
                let second = try await harness.sync(environment: ["RAGSYNC_CONTENT_DIR": moved.path])
                let copy = try #require(second.likelyCopyOf)
                #expect(copy.source == (try harness.configuration().source))
                #expect(copy.shared == 12 && copy.total == 12)
                #expect(second.lines.contains { $0.hasPrefix("note: 12 of 12 documents") && $0.contains("ragsync sources remove") })
                #expect(second.chunksEmbedded == 0, "the copy's chunks reuse the stored embeddings")
            }
        }
    }

    @Test func theQueryFunctionsFilterBySource() async throws {
        try await PipelineHarness.with { harness in
            try await Self.withSecondFolder { second in
                try harness.write("a.md", "# A\n\nAlpha, about sailing.\n")
                try Self.write("# B\n\nBeta, about sailing too.\n", to: "b.md", in: second)
                _ = try await harness.sync()
                let other = try harness.configuration(environment: ["RAGSYNC_CONTENT_DIR": second.path]).source
                _ = try await harness.sync(environment: ["RAGSYNC_CONTENT_DIR": second.path])

                let vector = try await harness.client.query("SELECT embedding::text FROM chunk_embeddings LIMIT 1").scalar
                for function in ["match_document_chunks($1::vector, 10, $2::jsonb)",
                                 "hybrid_search_document_chunks('sailing', $1::vector, 10, $2::jsonb)"] {
                    let files = try await harness.client.query(
                        "SELECT source_file FROM \(function)", [vector, "{\"source\": \"\(other)\"}"]
                    ).rows.compactMap { $0.first ?? nil }
                    #expect(files == ["b.md"], "\(function)")
                }
            }
        }
    }
}
