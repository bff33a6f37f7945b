// ragsync — MarkdownFuzzTests: random markdown under random chunk budgets never stops the process.

import RagsyncTestSupport
import Testing

@testable import Indexer

/// A file's body is input too: whatever markdown it holds, under any chunk budgets a user may set, the chunker must
/// return chunks within the maximum, numbered in order, whose counts are the counter's. The pieces are chosen for
/// cmark-gfm's and the chunker's edges: unclosed fences, ragged tables, deep lists, headings without text, HTML,
/// CRLF, tabs, long unbroken runs and text with combining marks and emoji.
@Suite struct MarkdownFuzzTests {
    static let pieces = [
        "# ", "# Title", "###### six", "####### seven", "Heading\n===", "Sub\n---", "---", "***", "> quote\n> more",
        "> > nested", "- item", "  - nested item", "      - deep item", "1. one", "10) ten", "* [ ] task", "- [x] done",
        "```", "```swift\nlet x = 1\n```", "~~~\nunclosed", "    indented code", "| a | b |\n|---|---|\n| 1 | 2 | 3 |",
        "| only |\n|-|", "|", "<div>\n<b>html</b>\n</div>", "<!-- comment -->", "[link](http://x)", "![img](y.png)",
        "[ref]: http://z", "[^1]: footnote", "text[^1]", "**bold *both***", "_under_", "~~strike~~", "`code`",
        "www.auto.link", "a\r\nb\r\n", "tab\there", "\t- tabbed item", "é\u{301}\u{301}", "👩‍👩‍👧‍👦 family",
        "\u{200B}\u{FEFF}", "word " + String(repeating: "x", count: 3_000), String(repeating: "long sentence. ", count: 400),
        String(repeating: "- a\n", count: 200), String(repeating: "#", count: 50), "\\", "&amp; &#0; &#x110000;",
        "", "\n", "\n\n\n",
    ]

    @Test(arguments: SeededGenerator.seeds(default: [21, 22, 23]))
    func randomMarkdownIsChunkedWithinItsBudgets(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let counter = ApproximateTokenCounter()
        for round in 0..<300 {
            let target = Int.random(in: 16...600, using: &random)
            let maximum = target + Int.random(in: 1...(2 * target), using: &random)
            let options = try ChunkingOptions(
                targetTokens: target, overlapTokens: Int.random(in: 0...200, using: &random), maxTokens: maximum,
                contextTokens: Int.random(in: 0...(maximum / 4), using: &random))
            let markdown = (0..<Int.random(in: 1...40, using: &random)).map { _ in
                Self.pieces[Int.random(in: 0..<Self.pieces.count, using: &random)]
            }.joined(separator: Bool.random(using: &random) ? "\n\n" : "\n")
            let context = "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)) round \(round)"
            let document: ParsedDocument
            do {
                document = try DocumentParser().parse(Array(markdown.utf8), path: "fuzz.md")
            } catch {
                #expect(error.path == "fuzz.md", "\(context): \(error)")
                continue
            }
            let chunks = Chunker(options: options, counter: counter).chunks(for: document)
            #expect(chunks.map(\.index) == Array(0..<chunks.count), "\(context)")
            #expect(chunks.allSatisfy { $0.tokenCount <= options.maxTokens }, "\(context)")
            #expect(chunks.allSatisfy { counter.tokenCount($0.text) == $0.tokenCount }, "\(context)")
        }
    }
}
