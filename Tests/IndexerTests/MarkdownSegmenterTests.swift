// ragsync — MarkdownSegmenter: a very large text parsed a piece at a time gives the blocks of the whole.

@testable import Markdown
import RagsyncTestSupport
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

    @Test(arguments: [(1, "\n"), (2, "\n"), (3, "\n"), (4, "\r\n"), (5, "\r")] as [(UInt64, String)])
    func aLargeDocumentGivesTheBlocksOfItsWholeParse(seed: UInt64, lineEnding: String) {
        let text = largeDocument(seed: seed).replacing("\n", with: lineEnding)
        let pieces = MarkdownSegmenter.pieces(of: text)
        #expect(pieces.count > 3, "the document was not cut")
        #expect(pieces.allSatisfy { $0.text.utf8.count < 2 * MarkdownSegmenter.pieceBytes }, "a piece grew past twice the size")
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
        #expect(MarkdownSegmenter.pieces(of: text) == [MarkdownSegmenter.Piece(text: text, parsesTables: true)])
    }

    @Test func backToBackFencedBlocksAreCutBetweenThemAndGiveTheBlocksOfTheWholeParse() {
        let text = (0..<60_000).map { "```\ncode \($0)\n```\n" }.joined()
        let pieces = MarkdownSegmenter.pieces(of: text)
        #expect(pieces.count > 3)
        #expect(pieces.allSatisfy { $0.text.utf8.count < 2 * MarkdownSegmenter.pieceLimitBytes })
        #expect(CmarkTreeConverter.blocks(parsing: text) == CmarkTreeConverter.blocks(parsing: text, inPieces: false))
    }

    @Test func aHugeFencedCodeBlockIsNeverCut() {
        let code = (0..<100_000).map { "line \($0)" }.joined(separator: "\n")
        // The closing fence follows a blank line, the place to cut at outside code.
        let text = "Before.\n\n```\n" + code + "\n\nstill code\n\n```\n\nAfter.\n"
        let blocks = CmarkTreeConverter.blocks(parsing: text)
        #expect(blocks == CmarkTreeConverter.blocks(parsing: text, inPieces: false))
        #expect(blocks.count == 3)
    }
}

/// Texts with no place where a block ends are cut anyway, so that one piece's tree stays small, and rows too wide for
/// cmark-gfm's table extension are read as text.
@Suite("Large markdown without block boundaries")
struct MarkdownSegmenterLimitsTests {
    /// The longest a piece can be: twice ``MarkdownSegmenter/pieceLimitBytes`` before the line that ends it, which is
    /// itself at most that long, and a fenced block that opened last (the generator's are under 4 KB).
    private static let largestPiece = 3 * MarkdownSegmenter.pieceLimitBytes + 4096

    @Test func aParagraphOfAMegabyteIsCutAtItsLinesAndKeepsItsText() {
        let lines = (0..<100_000).map { "key\($0): value \($0)" }
        let text = lines.joined(separator: "\n") + "\n"
        let pieces = MarkdownSegmenter.pieces(of: text)
        #expect(pieces.count > 5)
        #expect(pieces.allSatisfy { $0.text.utf8.count <= MarkdownSegmenter.pieceLimitBytes + 64 })
        #expect(pieces.map(\.text).joined() == text)
        let words = CmarkTreeConverter.blocks(parsing: text).flatMap { block -> [Substring] in
            guard case .paragraph(let paragraph) = block else { return [] }
            return paragraph.split(whereSeparator: \.isWhitespace)
        }
        #expect(words == text.split(whereSeparator: \.isWhitespace))
    }

    @Test func aLineOfAMegabyteIsCutAfterSpaces() {
        var generator = TextGenerator(seed: 9)
        var line = ""
        while line.utf8.count < 1_000_000 { line += generator.word() + " " }
        let pieces = MarkdownSegmenter.pieces(of: line)
        #expect(pieces.count >= 1_000_000 / MarkdownSegmenter.pieceBytes)
        #expect(pieces.allSatisfy { $0.text.utf8.count <= MarkdownSegmenter.pieceBytes })
        #expect(pieces.dropLast().allSatisfy { $0.text.hasSuffix(" ") })
        #expect(pieces.map(\.text).joined() == line)
    }

    @Test(arguments: ["[", "e\u{301}", "\u{1F469}\u{200D}\u{1F4BB}"])
    func aLineWithoutSpacesIsCutBetweenUnicodeScalars(unit: String) {
        let line = String(repeating: unit, count: 400_000 / unit.utf8.count)
        let pieces = MarkdownSegmenter.pieces(of: line)
        #expect(pieces.count > 3)
        #expect(pieces.allSatisfy { $0.text.utf8.count <= MarkdownSegmenter.pieceBytes })
        #expect(pieces.map(\.text).joined().unicodeScalars.elementsEqual(line.unicodeScalars))
        _ = CmarkTreeConverter.blocks(parsing: line)
    }

    @Test func aTableWithMoreColumnsThanTheLimitIsReadAsText() {
        func table(columns: Int) -> String {
            let header = "|" + (0..<columns).map { "c\($0)" }.joined(separator: "|") + "|"
            let delimiter = "|" + Array(repeating: "-", count: columns).joined(separator: "|") + "|"
            let row = "|" + (0..<columns).map { "v\($0)" }.joined(separator: "|") + "|"
            return "# Data\n\n" + [header, delimiter, row, row].joined(separator: "\n") + "\n"
        }
        let narrow = CmarkTreeConverter.blocks(parsing: table(columns: MarkdownSegmenter.tableCellLimit - 1))
        #expect(narrow.contains { if case .table = $0 { true } else { false } })
        let wide = CmarkTreeConverter.blocks(parsing: table(columns: MarkdownSegmenter.tableCellLimit + 1))
        #expect(!wide.contains { if case .table = $0 { true } else { false } })
        #expect(wide.contains { if case .paragraph(let text) = $0 { text.contains("v128") } else { false } })
    }

    @Test func aWideLineInFencedCodeKeepsTheDocumentsTables() {
        let text = "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\n" + String(repeating: "|", count: 500) + "\n```\n"
        #expect(MarkdownSegmenter.pieces(of: text) == [MarkdownSegmenter.Piece(text: text, parsesTables: true)])
    }

    /// Documents mixing ordinary blocks with paragraphs, lists and lines far longer than a piece, with `\n`, `\r\n`
    /// or `\r` line endings: the pieces are the text, in order, and none is larger than ``largestPiece``.
    @Test(arguments: SeededGenerator.seeds(default: [41, 42, 43]))
    func piecesAreTheTextInOrderAndBounded(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var words = TextGenerator(seed: seed)
        for round in 0..<4 {
            let context = "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)) round \(round)"
            let lineEnding = ["\n", "\r\n", "\r"].randomElement(using: &random) ?? "\n"
            var lines: [String] = []
            var bytes = 0
            while bytes < 700_000 {
                let fragment = Self.randomFragment(random: &random, words: &words)
                bytes += fragment.reduce(0) { $0 + $1.utf8.count + 1 }
                lines += fragment
            }
            let text = lines.joined(separator: lineEnding) + lineEnding
            let pieces = MarkdownSegmenter.pieces(of: text)
            let joined = pieces.map(\.text).joined()
            #expect(joined.unicodeScalars.elementsEqual(text.unicodeScalars), "\(context): pieces are not the text")
            if let large = pieces.first(where: { $0.text.utf8.count > Self.largestPiece }) {
                Issue.record("\(context): a piece of \(large.text.utf8.count) bytes")
            }
            #expect(!CmarkTreeConverter.blocks(parsing: text).isEmpty, "\(context)")
        }
    }

    /// The lines of one random block: a section, a paragraph of up to 12,000 lines, a list with nested items, a line
    /// of up to 800 KB of one unit, fenced code, a block quote, up to 60,000 empty fenced blocks, or a blank line.
    private static func randomFragment(random: inout SeededGenerator, words: inout TextGenerator) -> [String] {
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return ["## \(words.sentence())", "", words.paragraph(), ""]
        case 1: return (0..<Int.random(in: 1_000...12_000, using: &random)).map { _ in "\(words.word()): \(words.sentence())" }
        case 2:
            return (0..<Int.random(in: 100...3_000, using: &random)).map { _ in
                String(repeating: "  ", count: Int.random(in: 0...3, using: &random)) + "- \(words.sentence())"
            }
        case 3:
            let unit = ["[", "*a ", "~~b ", "e\u{301}", "\(words.word()) "].randomElement(using: &random) ?? "["
            return [String(repeating: unit, count: Int.random(in: 20_000...200_000, using: &random))]
        case 4: return ["```", words.paragraph(), "```"]
        case 5: return (0..<Int.random(in: 10...2_000, using: &random)).map { _ in "> \(words.sentence())" }
        case 6: return (0..<Int.random(in: 1_000...60_000, using: &random)).flatMap { _ in ["```", "```"] }
        default: return [""]
        }
    }
}

extension MarkdownSegmenterLimitsTests {
    /// A changelog of one tight list, a block quote of many paragraphs or a list with nested items: cut where no
    /// block ends, between top-level items or quoted lines, they still give the blocks of their whole parse. (A
    /// single paragraph that long becomes several, with the same text: see above.)
    @Test(arguments: ["list", "quote", "nested"])
    func aLongListOrQuoteCutBetweenItsLinesGivesTheBlocksOfItsWholeParse(shape: String) {
        var generator = TextGenerator(seed: 17)
        var text = "# Changes\n\n"
        var item = 0
        while text.utf8.count < 600_000 {
            item += 1
            switch shape {
            case "list": text += "- \(item): \(generator.sentence())\n"
            case "quote": text += "> \(generator.sentence())\n>\n"
            default: text += "- \(item): \(generator.sentence())\n  - detail \(generator.sentence())\n    continued\n"
            }
        }
        text += "\nAfter.\n"
        let pieces = MarkdownSegmenter.pieces(of: text)
        #expect(pieces.count > 3)
        #expect(CmarkTreeConverter.blocks(parsing: text) == CmarkTreeConverter.blocks(parsing: text, inPieces: false))
    }
}
