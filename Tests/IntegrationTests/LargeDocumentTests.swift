// ragsync — a document of more markdown blocks than ragsync reads as markdown, through `ragsync sync`.

import Foundation
import Markdown
import RagsyncTestSupport
import Testing

@Suite("Documents of more blocks than the limit, end to end")
struct LargeDocumentTests {
    @Test func aDocumentOfMoreBlocksThanTheLimitIsIndexedAsTextAndTheWarningNamesTheFile() async throws {
        try await PipelineHarness.with { harness in
            let items = MarkdownDocument.blockLimit + 1
            try harness.write("changes.md", "# Changes\n\n" + (0..<items).map { "- fix \($0)\n" }.joined())
            let environment = [
                "DATABASE_URL": harness.databaseURL, "OPENAI_BASE_URL": harness.server.baseURL,
                "RAGSYNC_CONTENT_DIR": harness.content.path, "RAGSYNC_EMBEDDING_DIMENSIONS": "256", "PATH": "/usr/bin:/bin",
            ]
            let sync = try await ChildCommand.runDetached([DaemonProcess.executable.path, "sync"], environment: environment)
            #expect(sync.status == 0, "\(sync.output)")
            #expect(sync.output.contains("changes.md: more than \(MarkdownDocument.blockLimit) markdown blocks"), "\(sync.output)")
            #expect(try await harness.count("SELECT count(*) FROM document_chunks WHERE source_file = 'changes.md'") > 0)
            #expect(try await harness.count(
                "SELECT count(*) FROM document_chunks WHERE source_file = 'changes.md' AND content LIKE '%- fix 100000%'") > 0)
        }
    }
}
