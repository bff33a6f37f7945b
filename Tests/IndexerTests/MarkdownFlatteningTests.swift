// ragsync — MarkdownFlatteningTests: cmark-gfm output reduced to plain text blocks.

import Markdown
import Testing

@Suite struct MarkdownFlatteningTests {
    @Test func inlineMarkupIsFlattenedAndLinkTextKept() {
        let document = MarkdownDocument(parsing: "Some *emph* **bold** `code` ~~gone~~ [link text](https://x.y) ![alt](i.png) <b>raw</b> end  \nnext\nsoft")
        #expect(document.blocks == [.paragraph("Some emph bold code gone link text alt raw end\nnext soft")])
    }

    @Test func rawHTMLBlocksAreDropped() {
        let document = MarkdownDocument(parsing: "<div>\nhidden\n</div>\n\nVisible https://example.com here.\n")
        #expect(document.blocks == [.paragraph("Visible https://example.com here.")])
    }

    @Test func tablesBecomeRows() {
        let document = MarkdownDocument(parsing: "| Name | Role |\n|---|---|\n| Ada | *Engineer* |\n| Bob | |\n")
        #expect(document.blocks == [.table(rows: [["Name", "Role"], ["Ada", "Engineer"], ["Bob", ""]])])
    }

    @Test func codeBlocksKeepLanguageAndContent() {
        let document = MarkdownDocument(parsing: "```swift extra\nlet x = 1\n  indented()\n```\n\n    indented code\n")
        #expect(document.blocks == [
            .codeBlock(language: "swift", code: "let x = 1\n  indented()"),
            .codeBlock(language: nil, code: "indented code"),
        ])
    }

    @Test func nestedListsKeepDepth() {
        let document = MarkdownDocument(parsing: "- one\n  - one.a\n    - deep\n  - one.b\n- two\n\n  second para\n\n1. numbered\n")
        #expect(document.blocks == [
            .listItem(depth: 0, text: "one"),
            .listItem(depth: 1, text: "one.a"),
            .listItem(depth: 2, text: "deep"),
            .listItem(depth: 1, text: "one.b"),
            .listItem(depth: 0, text: "two\nsecond para"),
            .listItem(depth: 0, text: "numbered"),
        ])
    }

    @Test func blockQuotesAreFlattenedAndHeadingsKept() {
        let document = MarkdownDocument(parsing: "# Title\n\n> quoted *text*\n>\n> more\n\nSetext\n---\n\n***\n")
        #expect(document.blocks == [
            .heading(level: 1, text: "Title"),
            .paragraph("quoted text"),
            .paragraph("more"),
            .heading(level: 2, text: "Setext"),
            .thematicBreak,
        ])
    }

    @Test func deeplyNestedInputDoesNotOverflowTheStack() {
        let document = MarkdownDocument(parsing: String(repeating: ">", count: 50_000) + " deep\n")
        #expect(document.blocks == [.paragraph("deep")])
    }
}
