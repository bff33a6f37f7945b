// ragsync — document outlines: embedded once per multi-chunk document, and only when the title or a heading changes.

import Foundation
import Testing

@Suite("Document outlines")
struct DocumentOutlineTests {
    private let outlines = "SELECT count(*) FROM ragsync_outline_embeddings"

    @Test func aLongDocumentHasOneOutlineVectorAndAShortOneNone() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("long.md", SampleText.longDocument(paragraphs: 60))
            try harness.write("short.md", "# Short\n\nOne paragraph.\n")
            let summary = try await harness.sync()
            #expect(summary.indexed == 2)
            // One input per chunk plus the long document's outline.
            #expect(try await harness.takeStats().inputs == summary.chunksEmbedded + 1)
            #expect(try await harness.count(outlines) == 1)
            #expect(try await harness.count(
                "SELECT count(*) FROM ragsync_documents WHERE outline_hash IS NOT NULL AND source_file = 'long.md'") == 1)
            #expect(try await harness.count(
                "SELECT count(*) FROM ragsync_documents WHERE outline_hash IS NULL AND source_file = 'short.md'") == 1)
        }
    }

    @Test func bodyTagsAndRenameEditsEmbedNoOutlineButAHeadingEditDoes() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("long.md", SampleText.longDocument(paragraphs: 60))
            _ = try await harness.sync()
            _ = try await harness.takeStats()

            try harness.write("long.md", SampleText.longDocument(paragraphs: 60, tags: "[a, b, c]"))
            _ = try await harness.sync()
            #expect(try await harness.takeStats().inputs == 0, "a tags-only edit embeds nothing")

            try harness.write("long.md", SampleText.longDocument(paragraphs: 60, tags: "[a, b, c]", replacing: (5, "A new fifth paragraph.")))
            let edit = try await harness.sync()
            #expect(try await harness.takeStats().inputs == edit.chunksEmbedded, "a body edit embeds its chunks only")

            try FileManager.default.moveItem(
                at: harness.content.appendingPathComponent("long.md"), to: harness.content.appendingPathComponent("moved.md"))
            #expect(try await harness.sync().renamed == 1)
            #expect(try await harness.takeStats().inputs == 0, "a rename embeds nothing")

            let renamedHeading = SampleText.longDocument(paragraphs: 60, tags: "[a, b, c]", replacing: (5, "A new fifth paragraph."))
                .replacingOccurrences(of: "## Section 1", with: "## A renamed section")
            try harness.write("moved.md", renamedHeading)
            let headingEdit = try await harness.sync()
            #expect(try await harness.takeStats().inputs == headingEdit.chunksEmbedded + 1, "a new outline is embedded")
            // The old outline's vector is dropped by the next full reconcile, once no document refers to it.
            _ = try await harness.sync()
            #expect(try await harness.count(outlines) == 1)
        }
    }
}
