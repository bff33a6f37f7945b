// ragsync — the web host's SQL functions on the real PostgreSQL: filters, one row per document, full text, fusion.

import Foundation
import IndexStore
import Logging
import Postgres
import RagsyncKit
import RagsyncTestSupport
import Testing

@Suite("Retrieval through match_document_chunks and hybrid_search_document_chunks")
struct RetrievalFunctionTests {
    private static let files = [
        "resume.md": "---\ntitle: Resume\ncategory: resume\ntags: [work, cv]\n---\n# Resume\n\n## Education\n\nMSc Computer Science, University of Porto.\n",
        "projects/tidewatch.md": "---\ntitle: Tidewatch\ncategory: project\ntags: [go]\n---\n# Tidewatch\n\nBuoy readings stored in TimescaleDB.\n",
        "projects/ragsync.md": "---\ntitle: ragsync\ncategory: project\ntags: [swift]\n---\n# ragsync\n\nA Swift daemon that keeps markdown indexed.\n",
    ]

    private func withIndexedHarness(_ body: (PipelineHarness, RagsyncContext) async throws -> Void) async throws {
        try await PipelineHarness.with { harness in
            for (path, text) in Self.files { try harness.write(path, text) }
            #expect(try await harness.sync().indexed == 3)
            try await body(harness, try await harness.context())
        }
    }

    private func search(
        _ context: RagsyncContext, _ text: String, mode: RetrievalMode, category: String? = nil, documents: Bool = false,
        limit: Int = 10
    ) async throws -> SearchQuery.Outcome {
        try await SearchQuery(text: text, limit: limit, category: category, mode: mode, onePerDocument: documents).run(
            store: context.store, embedder: try context.makeEmbedder())
    }

    @Test func everyChunkWrittenHasItsFullTextInTheSameTransaction() async throws {
        try await withIndexedHarness { harness, _ in
            let missing = try await harness.count("SELECT count(*) FROM ragsync_chunks r WHERE NOT EXISTS (SELECT 1 FROM ragsync_chunk_search s WHERE s.chunk_id = r.chunk_id)")
            let chunks = try await harness.count("SELECT count(*) FROM ragsync_chunks")
            #expect(missing == 0)
            #expect(chunks == 3)
        }
    }

    @Test func aRareWordIsFoundFirstByFullTextAndByTheHybridRanking() async throws {
        try await withIndexedHarness { _, context in
            let text = try await search(context, "Which database holds the TimescaleDB readings?", mode: .text)
            #expect(text.hits.first?.sourceFile == "projects/tidewatch.md")
            #expect(text.hits.first?.textRank == 1)
            let hybrid = try await search(context, "TimescaleDB", mode: .hybrid)
            #expect(hybrid.hits.first?.textRank == 1)
            #expect(hybrid.hits.count == 3, "the vector side still ranks every chunk")
        }
    }

    @Test func theCorpussMostFrequentWordsAreLeftOutOfTheFullTextQuestion() async throws {
        try await withIndexedHarness { harness, context in
            // Three chunks are far below the 1,000 a stop list needs: nothing is recorded.
            try await context.store.refreshFrequentLexemes()
            #expect(try await harness.count("SELECT count(*) FROM ragsync_frequent_lexemes") == 0)

            try await harness.client.query("INSERT INTO ragsync_frequent_lexemes (lexeme, chunks) VALUES ('swift', 900)")
            let pruned = try await harness.client.query("SELECT ragsync_search_query('Swift daemons')::text").scalar
            #expect(pruned == "'daemon'")
            let nothingLeft = try await harness.client.query("SELECT ragsync_search_query('swift')::text").scalar
            #expect(nothingLeft == nil)
            // A question of frequent words only is answered by the vector side alone.
            let outcome = try await search(context, "swift", mode: .hybrid)
            #expect(!outcome.hits.isEmpty)
            #expect(outcome.hits.allSatisfy { $0.textRank == nil })
        }
    }

    @Test func aQuestionOfCommonWordsKeepsItsRarestWordsWithinTheMatchBudget() async throws {
        try await withIndexedHarness { harness, _ in
            try await harness.client.query(
                """
                INSERT INTO ragsync_frequent_lexemes (lexeme, chunks, stop)
                VALUES ('pipelin', 1500, false), ('postgresql', 900, false), ('search', 700, false), ('swift', 5000, true)
                """)
            // Rarest first: 'daemon' (under 200 chunks, so unlisted), then 700 and 900; 1,500 more would pass 2,000.
            let kept = try await harness.client.query(
                "SELECT ragsync_search_query('Swift daemons search PostgreSQL pipelines')::text").scalar
            #expect(kept == "'daemon' | 'search' | 'postgresql'")
            // The rarest word stays even when it alone passes the budget.
            let rarest = try await harness.client.query("SELECT ragsync_search_query('pipelines Swift')::text").scalar
            #expect(rarest == "'pipelin'")
        }
    }

    @Test func theCategoryFilterKeepsOnlyThatCategory() async throws {
        try await withIndexedHarness { _, context in
            for mode in RetrievalMode.allCases where mode != .text {
                let outcome = try await search(context, "project", mode: mode, category: "project")
                #expect(Set(outcome.hits.map(\.sourceFile)) == ["projects/tidewatch.md", "projects/ragsync.md"])
            }
        }
    }

    @Test func theTagsFilterAndOneRowPerDocumentWorkFromSQL() async throws {
        let expected = Set(Self.files.keys)
        try await withIndexedHarness { harness, _ in
            let vector = "[" + Array(repeating: "0.0625", count: 256).joined(separator: ",") + "]"
            let tagged = try await harness.client.query(
                "SELECT source_file FROM match_document_chunks($1::vector, 10, '{\"tags\": [\"swift\"]}'::jsonb)", [vector])
            let taggedFiles: [String] = tagged.rows.compactMap { $0.first ?? nil }
            #expect(taggedFiles == ["projects/ragsync.md"])
            let perDocument = try await harness.client.query(
                "SELECT source_file FROM hybrid_search_document_chunks('markdown daemon', $1::vector, 10, '{}'::jsonb, one_per_document => true)",
                [vector])
            let files: [String] = perDocument.rows.compactMap { $0.first ?? nil }
            let distinct = Set(files)
            #expect(files.count == distinct.count)
            #expect(distinct == expected)
        }
    }

    @Test func anEmptyResultNamesTheCategoriesThatExist() async throws {
        try await withIndexedHarness { _, context in
            let outcome = try await search(context, "anything", mode: .hybrid, category: "projects")
            #expect(outcome.hits.isEmpty)
            guard case .filterMatchesNothing(let categories)? = outcome.emptyReason else {
                Issue.record("expected a filter that matches nothing, got \(String(describing: outcome.emptyReason))")
                return
            }
            #expect(categories == ["project", "resume"])
            #expect(outcome.emptyReason?.message.contains("project, resume") == true)
        }
    }

    @Test func anEmptyIndexSaysSo() async throws {
        try await PipelineHarness.with { harness in
            let outcome = try await search(try await harness.context(), "anything", mode: .vector)
            let isEmptyIndex = outcome.emptyReason.map { $0 == .noDocuments } ?? false
            #expect(isEmptyIndex)
        }
    }
}
