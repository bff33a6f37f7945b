// ragsync — MarkdownSegmenter: a very large text parsed a piece at a time gives the blocks of the whole.

@testable import Markdown
import Testing

@Suite("Large markdown parsed in pieces")
struct MarkdownSegmenterTests {
    /// Sections of every kind of block, repeated past the size at which texts are cut.
    private func largeDocument(seed: UInt64) -> String {
        var generator = TextGenerator(seed: seed)
        var text = "Intro [link][ref] and text.\n\n[ref]: https://example.com\n\n"
        var section = 0
        while text.utf8.count < 3 * MarkdownSegmenter.wholeTextBytes {
            section += 1
            text += "## Section \(section)\n\n\(generator.paragraph())\n\n"
            text += "- item \(generator.sentence())\n  continued\n\n- loose item\n\n  1. nested \(generator.word())\n\n"
            text += "> quoted \(generator.sentence())\n\n"
            text += "```swift\nlet x = \(section)\n\nprint(x)\n```\n\n"
            text += "| name | value |\n|:---|---:|\n" + (0..<(section % 7) * 40).map { "| \($0) | \(generator.word()) |" }
                .joined(separator: "\n") + "\n\n"
            text += "Setext heading \(section)\n---\n\n    indented code \(section)\n\n"
        }
        return text
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func aLargeDocumentGivesTheBlocksOfItsWholeParse(seed: UInt64) {
        let text = largeDocument(seed: seed)
        let pieces = MarkdownSegmenter.pieces(of: text)
        #expect(pieces.count > 3, "the document was not cut")
        #expect(pieces.allSatisfy { $0.utf8.count < 2 * MarkdownSegmenter.pieceBytes }, "a piece grew past twice the size")
        let whole = CmarkTreeConverter.blocks(parsing: text, inPieces: false)
        // A table cut between two rows comes back as two tables with the same header: joined again, and the rest
        // (the reference definition is in the first piece with its use) is the same.
        let inPieces = Self.joiningCutTables(CmarkTreeConverter.blocks(parsing: text))
        #expect(inPieces.count == whole.count)
        if let first = inPieces.indices.first(where: { $0 < whole.count && inPieces[$0] != whole[$0] }) {
            Issue.record("block \(first) differs: \(inPieces[first]) against \(whole[first])")
        }
    }

    /// Consecutive tables with the same header, as one table.
    private static func joiningCutTables(_ blocks: [MarkdownBlock]) -> [MarkdownBlock] {
        var joined: [MarkdownBlock] = []
        for block in blocks {
            if case .table(let rows) = block, case .table(let previous)? = joined.last, previous.first == rows.first {
                joined[joined.count - 1] = .table(rows: previous + rows.dropFirst())
            } else {
                joined.append(block)
            }
        }
        return joined
    }

    @Test func aLongTableIsCutBetweenRowsAndEachPieceRepeatsTheHeader() {
        let rows = (0..<60_000).map { "| \($0) | alpha | \($0 % 7) |" }
        let text = "# Table\n\n| a | b | c |\n|---|---|---|\n" + rows.joined(separator: "\n") + "\n\nAfter.\n"
        let pieces = MarkdownSegmenter.pieces(of: text)
        #expect(pieces.count > 10)
        let whole = CmarkTreeConverter.blocks(parsing: text, inPieces: false)
        let inPieces = CmarkTreeConverter.blocks(parsing: text)
        func bodyRows(_ blocks: [MarkdownBlock]) -> [[String]] {
            blocks.flatMap { block -> [[String]] in
                guard case .table(let rows) = block else { return [] }
                #expect(rows.first == ["a", "b", "c"])
                return Array(rows.dropFirst())
            }
        }
        #expect(bodyRows(inPieces) == bodyRows(whole))
        #expect(bodyRows(whole).count == 60_000)
        #expect(inPieces.first == whole.first && inPieces.last == whole.last)
    }

    @Test func aSmallTextIsParsedWhole() {
        let text = "# Title\n\nOne paragraph.\n"
        #expect(MarkdownSegmenter.pieces(of: text) == [text])
    }

    @Test func aHugeFencedCodeBlockIsNeverCut() {
        let code = (0..<100_000).map { "line \($0)" }.joined(separator: "\n")
        let text = "Before.\n\n```\n" + code + "\n\nstill code\n```\n\nAfter.\n"
        let blocks = CmarkTreeConverter.blocks(parsing: text)
        #expect(blocks == CmarkTreeConverter.blocks(parsing: text, inPieces: false))
        #expect(blocks.count == 3)
    }
}
