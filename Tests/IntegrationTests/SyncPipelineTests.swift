// ragsync — the content pipeline end to end: files → chunks → embeddings → rows, paying only for what changed.

import Foundation
import RagsyncTestSupport
import Testing

@Suite("Sync pipeline on the real database and a local embedding server")
struct SyncPipelineTests {
    @Test func theFirstSyncIndexesEveryDocumentWithOneEmbeddingPerChunk() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("resume.md", "---\ntitle: Resume\ncategory: resume\ntags: [work]\n---\n# Resume\n\n## Experience\n\nStaff engineer at Acme.\n")
            try harness.write("projects/app.md", "# App\n\nA small app.\n")
            let summary = try await harness.sync()
            #expect(summary.indexed == 2)
            #expect(summary.failed == 0)
            let chunks = try await harness.count("SELECT count(*) FROM document_chunks")
            let embeddings = try await harness.count("SELECT count(*) FROM chunk_embeddings")
            #expect(chunks >= 2)
            #expect(embeddings == chunks)
            let row = try await harness.client.query(
                "SELECT category, document_title, metadata_json->>'heading_path' FROM document_chunks WHERE source_file = 'resume.md'")
            #expect(row.rows.first?[0] == "resume")
            #expect(row.rows.first?[1] == "Resume")
            #expect(row.rows.first?[2]?.contains("Experience") == true)
        }
    }

    @Test func aPassOfManyBatchesOnTwoWriterConnectionsEmbedsEachTextOnceAndWritesEveryChunk() async throws {
        try await PipelineHarness.with { harness in
            // Nine copies of one document among 90 files, so batches in flight share chunks: a batch must write the
            // vectors an earlier batch embedded, whose transaction may not have committed, instead of copying them.
            for index in 0..<90 {
                let text = index.isMultiple(of: 10)
                    ? "# Shared\n\n" + SampleText.paragraph(7) + "\n\n## More\n\n" + SampleText.paragraph(8)
                    : "# File \(index)\n\n" + SampleText.paragraph(1000 + index)
                try harness.write("f\(index).md", text)
            }
            var engine = try await harness.engine()
            engine.documentsPerBatch = 10
            #expect(engine.bulkWriters.count == 2)
            let summary = try await engine.reconcile()
            #expect(summary.indexed == 90)
            #expect(summary.failed == 0)
            let texts = try await harness.count("SELECT count(DISTINCT content_hash) FROM ragsync_chunks")
                + harness.count("SELECT count(DISTINCT outline_hash) FROM ragsync_documents")
            #expect(try await harness.takeStats().inputs == texts)
            #expect(try await harness.count("SELECT count(*) FROM document_chunks") == 90)
            #expect(try await harness.count(
                "SELECT count(*) FROM document_chunks c JOIN chunk_embeddings e ON e.chunk_id = c.chunk_id") == 90)
            #expect(try await harness.count("SELECT count(*) FROM ragsync_documents WHERE content_hash IS NOT NULL") == 90)
            // Nothing is left to do: the next pass reads no file and writes nothing.
            let again = try await engine.reconcile()
            #expect(again.unchanged == 90 && again.indexed == 0)
        }
    }

    @Test func aBulkPassEndsWithEveryTableVacuumedAndTheFrequentWordsRecorded() async throws {
        try await PipelineHarness.with { harness in
            // 1,000 one-chunk files: the frequent words are recorded from 1,000 chunks on. "Lighthouse" is in all of
            // them, "harbour" in every fourth, "Quillon" in one.
            for index in 0..<1_000 {
                let rare = index == 500 ? " Quillon" : ""
                let harbour = index.isMultiple(of: 4) ? " The harbour is calm." : ""
                try harness.write("notes/n\(index).md", "# Note \(index)\n\nThe lighthouse keeper wrote.\(harbour)\(rare)\n")
            }
            let summary = try await harness.sync()
            #expect(summary.indexed == 1_000 && summary.isBulk)
            let context = try await harness.context()
            // The vacuum, the frequent words and the vector index upkeep run on three connections at once.
            _ = try await context.maintainVectorIndex(after: summary)
            let words = try await harness.client.query(
                """
                SELECT lexeme, chunks, stop FROM ragsync_frequent_lexemes
                WHERE lexeme IN ('lighthous', 'harbour', 'quillon') ORDER BY lexeme
                """)
            #expect(words.rows.map { $0.compactMap { $0 } } == [["harbour", "250", "t"], ["lighthous", "1000", "t"]])
            #expect(try await harness.count(
                """
                SELECT count(*) FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL AND last_analyze IS NOT NULL
                  AND relname IN ('document_chunks', 'chunk_embeddings', 'ragsync_chunks', 'ragsync_documents',
                                  'ragsync_chunk_search')
                """) == 5)
        }
    }

    @Test func aSecondSyncWithNoChangeMakesNoEmbeddingCall() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("a.md", SampleText.longDocument(paragraphs: 30))
            _ = try await harness.sync()
            _ = try await harness.takeStats()
            let summary = try await harness.sync()
            #expect(summary.unchanged == 1)
            #expect(summary.indexed == 0)
            #expect(try await harness.takeStats().requests == 0)
        }
    }

    @Test func editingOneParagraphOfALongDocumentReEmbedsAtMostThreeChunks() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("long.md", SampleText.longDocument(paragraphs: 150))
            _ = try await harness.sync()
            let idsBefore = try await harness.chunkIds("long.md")
            #expect(idsBefore.count >= 15)
            _ = try await harness.takeStats()

            try harness.write("long.md", SampleText.longDocument(paragraphs: 150, replacing: (75, "An edited paragraph.")))
            let summary = try await harness.sync()

            let inputs = try await harness.takeStats().inputs
            #expect(summary.indexed == 1)
            #expect((1...3).contains(inputs), "re-embedded \(inputs) of \(idsBefore.count) chunks")
            let idsAfter = try await harness.chunkIds("long.md")
            #expect(Set(idsBefore).intersection(idsAfter).count >= idsAfter.count - 3, "unchanged chunks keep their ids")
        }
    }

    @Test func aParagraphInsertedAtTheTopOfATwentyChunkDocumentReEmbedsAtMostThreeChunks() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("long.md", SampleText.longDocument(paragraphs: 170))
            _ = try await harness.sync()
            let before = try await harness.chunkIds("long.md").count
            #expect(before >= 20, "the document has \(before) chunks")
            _ = try await harness.takeStats()

            try harness.write("long.md", SampleText.longDocument(paragraphs: 170, insertAtTop: "A new opening paragraph."))
            _ = try await harness.sync()

            let inputs = try await harness.takeStats().inputs
            #expect(inputs <= 3, "re-embedded \(inputs) of \(before) chunks")
        }
    }

    @Test func aRenameMakesNoEmbeddingCallAndMovesTheRows() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("old.md", "---\ntitle: Kept title\n---\n# Kept title\n\nSome text about renames.\n")
            _ = try await harness.sync()
            let ids = try await harness.chunkIds("old.md")
            _ = try await harness.takeStats()

            try harness.move("old.md", "new.md")
            let summary = try await harness.sync()

            #expect(summary.renamed == 1)
            #expect(try await harness.takeStats().requests == 0)
            #expect(try await harness.chunkIds("new.md") == ids)
            #expect(try await harness.chunkIds("old.md").isEmpty)
        }
    }

    @Test func deletingAFileRemovesItsRows() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("gone.md", "# Gone\n\nSoon deleted.\n")
            try harness.write("stays.md", "# Stays\n\nStill here.\n")
            _ = try await harness.sync()
            try harness.remove("gone.md")
            let summary = try await harness.sync()
            #expect(summary.removed == 1)
            #expect(try await harness.count("SELECT count(*) FROM document_chunks WHERE source_file = 'gone.md'") == 0)
            #expect(try await harness.count("SELECT count(*) FROM ragsync_documents WHERE source_file = 'gone.md'") == 0)
            #expect(try await harness.count("SELECT count(*) FROM chunk_embeddings") == harness.count("SELECT count(*) FROM document_chunks"))
        }
    }

    @Test func malformedFrontmatterKeepsThePreviousIndexAndReportsTheError() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("doc.md", "---\ntitle: Good\n---\n# Good\n\nThe good version.\n")
            _ = try await harness.sync()
            let ids = try await harness.chunkIds("doc.md")

            try harness.write("doc.md", "---\ntitle: [unclosed\n---\n# Bad\n\nThe bad version.\n")
            try harness.write("other.md", "# Other\n\nIndexed anyway.\n")
            let summary = try await harness.sync()

            #expect(summary.failed == 1)
            #expect(summary.failures.first?.path == "doc.md")
            #expect(summary.indexed == 1, "the other document is indexed")
            #expect(try await harness.chunkIds("doc.md") == ids)
            let error = try await harness.client.query(
                "SELECT last_error FROM ragsync_documents WHERE source_file = 'doc.md'").scalar
            #expect(error?.contains("doc.md") == true)
            #expect(error?.lowercased().contains("yaml") == true)
        }
    }

    @Test func aTagsOnlyEditMakesNoEmbeddingCallAndUpdatesTheMetadata() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("doc.md", SampleText.longDocument(paragraphs: 20, tags: "[old]"))
            _ = try await harness.sync()
            let ids = try await harness.chunkIds("doc.md")
            _ = try await harness.takeStats()

            try harness.write("doc.md", SampleText.longDocument(paragraphs: 20, tags: "[new, tags]"))
            let summary = try await harness.sync()

            #expect(summary.indexed == 1)
            #expect(try await harness.takeStats().requests == 0)
            #expect(try await harness.chunkIds("doc.md") == ids)
            let tags = try await harness.client.query(
                "SELECT DISTINCT metadata_json->'tags' FROM document_chunks WHERE source_file = 'doc.md'").rows
            #expect(tags.map { $0[0] } == ["[\"new\", \"tags\"]"])
        }
    }

    /// The frontmatter's part of the metadata is sent once per document and merged into every chunk's by PostgreSQL.
    @Test func everyChunksMetadataHoldsTheFrontmatterAndItsOwnKeys() async throws {
        try await PipelineHarness.with { harness in
            let body = SampleText.longDocument(paragraphs: 60, tags: "[x, y]").split(separator: "---\n", maxSplits: 2)[1]
            func document(author: String) -> String {
                "---\ntitle: Long document\ncategory: test\ntags: [x, y]\nauthor: \(author)\nheading_path: not a heading\n"
                    + "links: {site: https://example.com}\n---\n" + body
            }
            try harness.write("doc.md", document(author: "Ada"))
            try harness.write("other.md", "---\nauthor: Grace\n---\n# Other\n\nShort.\n")
            _ = try await harness.sync()
            func rows(_ path: String) async throws -> [[String?]] {
                try await harness.client.query(
                    """
                    SELECT c.metadata_json->>'author', c.metadata_json->'tags', c.metadata_json->'links'->>'site',
                           c.metadata_json->>'heading_path', c.metadata_json->>'chunk_hash' = r.content_hash,
                           (c.metadata_json->>'token_count')::int > 0
                    FROM document_chunks c JOIN ragsync_chunks r ON r.chunk_id = c.chunk_id
                    WHERE c.source_file = $1 ORDER BY c.chunk_index
                    """, [path]).rows
            }
            let written = try await rows("doc.md")
            #expect(written.count > 2)
            for row in written {
                #expect(row[0] == "Ada" && row[1] == "[\"x\", \"y\"]" && row[2] == "https://example.com")
                // A chunk's own keys win over frontmatter keys of the same name.
                #expect(row[3]?.hasPrefix("Long document") == true)
                #expect(row[4] == "t" && row[5] == "t")
            }
            #expect(try await rows("other.md").map { $0[0] } == ["Grace"])

            // Kept chunks get the new frontmatter too, without an embedding call.
            _ = try await harness.takeStats()
            try harness.write("doc.md", document(author: "Lovelace"))
            _ = try await harness.sync()
            #expect(try await harness.takeStats().requests == 0)
            #expect(try await rows("doc.md").allSatisfy { $0[0] == "Lovelace" && $0[3]?.hasPrefix("Long document") == true })
        }
    }

    @Test func serverErrorsAreRetriedUntilTheDocumentIsIndexed() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("doc.md", "# Doc\n\nRetried text.\n")
            try await harness.server.injectFault(mode: "500", count: 2)
            let summary = try await harness.sync()
            #expect(summary.indexed == 1)
            #expect(summary.failed == 0)
            #expect(try await harness.takeStats().requests == 3)
        }
    }

    @Test func anInvalidKeyFailsFastWithTheProvidersMessageAndKeepsNothingHalfWritten() async throws {
        try await PipelineHarness.with(serverArguments: ["--api-key", "sk-right"]) { harness in
            try harness.write("doc.md", "# Doc\n\nNever embedded.\n")
            let summary = try await harness.sync(apiKey: "sk-wrong-secret-value")
            #expect(summary.failed == 1)
            let reason = try #require(summary.failures.first?.reason)
            #expect(reason.contains("401"))
            #expect(reason.contains("Incorrect API key"))
            #expect(!reason.contains("sk-wrong-secret-value"))
            #expect(try await harness.takeStats().requests == 1)
            #expect(try await harness.count("SELECT count(*) FROM document_chunks") == 0)
        }
    }
}

@Suite("Re-chunking when the chunking changes")
struct RechunkingTests {
    @Test func changedChunkSettingsRecutUnchangedFilesAndReuseEveryEmbeddingThatStaysTheSame() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("long.md", SampleText.longDocument(paragraphs: 60))
            try harness.write("short.md", "# Short\n\nOne paragraph.\n")
            #expect(try await harness.sync().indexed == 2)
            _ = try await harness.takeStats()

            // The description budget changes the signature but not these chunks' text (no frontmatter description,
            // and the short page's lead paragraph is already in its only chunk): re-cut, nothing embedded.
            let same = try await harness.sync(environment: ["RAGSYNC_CHUNK_CONTEXT_TOKENS": "10"])
            #expect(same.rechunked == 2)
            #expect(same.indexed == 2)
            #expect(same.rechunkingInputs == 0)
            #expect(try await harness.takeStats().inputs == 0)

            // A larger target cuts the long document differently: only its new chunks are embedded.
            let larger = try await harness.sync(environment: ["RAGSYNC_CHUNK_CONTEXT_TOKENS": "10", "RAGSYNC_CHUNK_TOKENS": "900"])
            #expect(larger.rechunked == 2)
            let embedded = try await harness.takeStats().inputs
            #expect(embedded > 0 && embedded <= larger.chunksEmbedded)
            #expect(larger.rechunkingInputs == embedded, "the cost announced before the pass is what it spent")
            #expect(larger.chunksEmbedded < 60)

            let again = try await harness.sync(environment: ["RAGSYNC_CHUNK_CONTEXT_TOKENS": "10", "RAGSYNC_CHUNK_TOKENS": "900"])
            #expect(again.rechunked == 0)
            #expect(again.unchanged == 2)
        }
    }
}
