// ragsync — a document of more markdown blocks than the limit: its text indexed as plain text, in bounded paragraphs.

@testable import Indexer
import Markdown
import RagsyncTestSupport
import Testing

@Suite("Documents of more blocks than the limit")
struct BlockLimitTests {
    @Test func aTextOfMoreBlocksThanTheLimitIsNotParsedAndATableCountsItsRows() {
        let paragraphs = String(repeating: "a\n\n", count: 11)
        #expect(MarkdownDocument(parsing: paragraphs, blockLimit: 10) == nil)
        #expect(MarkdownDocument(parsing: paragraphs, blockLimit: 11)?.blocks.count == 11)
        // A header and ten rows: one block of eleven rows.
        let table = "| h |\n|---|\n" + String(repeating: "| r |\n", count: 10)
        #expect(MarkdownDocument(parsing: table, blockLimit: 10) == nil)
        #expect(MarkdownDocument(parsing: table, blockLimit: 11)?.blocks.count == 1)
    }

    @Test func aDocumentAtTheLimitIsReadAsMarkdown() throws {
        let text = "# Changes\n\n" + (1..<MarkdownDocument.blockLimit).map { "- item \($0)\n" }.joined()
        let document = try DocumentParser().parse(Array(text.utf8), path: "changes.md")
        #expect(document.warnings.isEmpty)
        #expect(document.title == "Changes")
        #expect(document.blocks.count == MarkdownDocument.blockLimit)
    }

    @Test func aDocumentOverTheLimitIsIndexedAsPlainTextWithAWarning() throws {
        let items = MarkdownDocument.blockLimit + 1
        let text = "---\ntitle: Changes\n---\n# Changes\n\n" + (0..<items).map { "- item \($0)\n" }.joined()
        let document = try DocumentParser().parse(Array(text.utf8), path: "changes.md")
        #expect(document.title == "Changes")
        #expect(document.warnings.contains { $0.contains("plain text") && $0.contains("\(MarkdownDocument.blockLimit)") })
        #expect(document.blocks.allSatisfy { block in
            guard case .paragraph(let paragraph) = block else { return false }
            return paragraph.utf8.count <= PlainTextParagraphs.byteLimit
        })
        let chunker = Chunker()
        let chunks = chunker.chunks(for: document)
        #expect(chunks.allSatisfy { $0.tokenCount <= chunker.options.maxTokens })
        // Every item's text is in some chunk.
        let indexed = chunks.map(\.content).joined(separator: "\n")
        for item in stride(from: 0, to: items, by: 997) + [items - 1] {
            #expect(indexed.contains("- item \(item)\n") || indexed.hasSuffix("- item \(item)"), "item \(item)")
        }
    }

    /// Random texts of short and long lines, lines without spaces, CR and CRLF endings, multi-byte and combining
    /// characters: the paragraphs are within the limit, not empty, and hold the text's every non-space character in
    /// order.
    @Test(arguments: SeededGenerator.seeds(default: [61, 62, 63]))
    func plainTextParagraphsAreBoundedAndHoldTheWholeText(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let units = ["word ", "e\u{301}", "\u{1F469}\u{200D}\u{1F4BB}", "\n", "\r\n", "\r", "\n\n", "  ", "x", "|"]
        for round in 0..<20 {
            let context = "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)) round \(round)"
            var text = ""
            for _ in 0..<Int.random(in: 0...3_000, using: &random) {
                let unit = units.randomElement(using: &random) ?? "x"
                text += String(repeating: unit, count: Int.random(in: 1...(unit.count > 2 ? 3 : 200), using: &random))
            }
            // A limit under 4 bytes is passed only by a paragraph of one scalar longer than it.
            let limit = [1, 4, 16, 64, 1024].randomElement(using: &random) ?? 64
            let paragraphs = PlainTextParagraphs.cut(text, byteLimit: limit)
            #expect(
                paragraphs.allSatisfy { !$0.isEmpty && ($0.utf8.count <= limit || $0.unicodeScalars.count == 1) },
                "\(context), limit \(limit)")
            let visible = { (text: String) in text.unicodeScalars.filter { !$0.properties.isWhitespace } }
            #expect(
                paragraphs.flatMap { visible($0) } == Array(visible(text)), "\(context): the paragraphs are not the text")
        }
    }
}
