// ragsync — ChunkerTests: size limits, context lines, overlap, determinism and boundary stability.

import Testing
@testable import Indexer

@Suite struct ChunkerTests {
    let counter = ApproximateTokenCounter()
    let options = ChunkingOptions.standard

    @Test func headingPathsFollowTheHeadingStack() throws {
        let markdown = """
            # Jane Doe
            Intro line.
            ## Experience
            ### Acme Corp
            #### Staff Engineer
            Built things.
            ### Beta Inc
            Did stuff.
            ## Skills
            - Swift
            - Postgres
            """
        let result = try chunks(markdown)
        #expect(result.map(\.headingPath) == [
            ["Jane Doe"],
            ["Jane Doe", "Experience", "Acme Corp", "Staff Engineer"],
            ["Jane Doe", "Experience", "Beta Inc"],
            ["Jane Doe", "Skills"],
        ])
        #expect(result[1].text == "Jane Doe > Experience > Acme Corp > Staff Engineer\n\nBuilt things.")
        #expect(result[3].text == "Jane Doe > Skills\n\n- Swift\n- Postgres")
        #expect(result.map(\.index) == [0, 1, 2, 3])
    }

    @Test func tablesAreFlattenedToHeaderValuePairs() throws {
        let result = try chunks("# T\n\n| Year | Role |\n|---|---|\n| 2020 | Lead |\n| 2021 | CTO |\n")
        #expect(result.map(\.text) == ["T\n\nYear: 2020; Role: Lead\nYear: 2021; Role: CTO"])
    }

    @Test func chunkTextCarriesNoFrontmatterSoTagEditsChangeNoHash() throws {
        let body = longDocument().joined(separator: "\n\n")
        let before = try chunks("---\ntitle: Doc\ncategory: a\ntags: [x]\nauthor: me\n---\n" + body)
        let after = try chunks("---\ntitle: Doc\ncategory: b\ntags: [y, z]\nauthor: you\n---\n" + body)
        #expect(before.map(\.contentHash) == after.map(\.contentHash))
        #expect(before.allSatisfy { !$0.text.contains("category") })
    }

    @Test func giantSingleLineNeverExceedsMaxTokens() throws {
        var generator = TextGenerator(seed: 7)
        let words = (0..<200_000).map { _ in generator.word() }.joined(separator: " ")
        let noSpaces = String(repeating: "abcdefghij0123456789+/", count: 20_000)
        for markdown in [words, noSpaces] {
            let result = try chunks(markdown)
            #expect(result.count > 10)
            #expect(result.allSatisfy { $0.tokenCount <= options.maxTokens })
            #expect(result.allSatisfy { counter.tokenCount($0.text) == $0.tokenCount })
        }
    }

    @Test func giantParagraphOfSentencesNeverExceedsMaxTokens() throws {
        var generator = TextGenerator(seed: 9)
        let paragraph = (0..<20_000).map { _ in generator.sentence() }.joined(separator: " ")
        let result = try chunks("# Big\n\n" + paragraph)
        #expect(result.count > 100)
        #expect(result.allSatisfy { $0.tokenCount <= options.maxTokens })
        let average = result.map(\.tokenCount).reduce(0, +) / result.count
        #expect(average > 300 && average < 800)
    }

    @Test func sameInputGivesSameChunks() throws {
        let markdown = longDocument().joined(separator: "\n\n")
        #expect(try chunks(markdown) == chunks(markdown))
    }

    @Test func consecutiveChunksOfASectionOverlapByAtMost100Tokens() throws {
        let result = try chunks(longDocument().joined(separator: "\n\n"))
        var overlaps = 0
        for (previous, next) in zip(result, result.dropFirst()) where previous.headingPath == next.headingPath {
            let previousBody = body(of: previous)
            let nextBody = body(of: next)
            let overlap = longestSuffixOfPreviousStartingNext(previousBody, nextBody)
            #expect(!overlap.isEmpty, "chunk \(next.index) does not start with the tail of chunk \(previous.index)")
            #expect(counter.tokenCount(overlap) <= 100)
            if !overlap.isEmpty { overlaps += 1 }
        }
        #expect(overlaps >= 10)
    }

    @Test func editingOneMiddleParagraphChangesAtMostThreeChunks() throws {
        var lines = longDocument()
        let before = try chunks(lines.joined(separator: "\n\n"))
        #expect(before.count >= 20)
        var generator = TextGenerator(seed: 1234)
        var worst = 0
        for target in stride(from: 20, to: 60, by: 3) where !lines[target].hasPrefix("#") {
            let original = lines[target]
            lines[target] = generator.paragraph()
            let after = try chunks(lines.joined(separator: "\n\n"))
            worst = max(worst, newHashes(before, after))
            lines[target] = original
        }
        #expect(worst <= 3)
    }

    @Test func insertingAParagraphAtTheTopChangesAtMostThreeChunks() throws {
        var worst = 0
        for seed in UInt64(1)...10 {
            let lines = longDocument(seed: seed)
            let before = try chunks(lines.joined(separator: "\n\n"))
            #expect(before.count >= 20)
            var generator = TextGenerator(seed: seed &* 77)
            let after = try chunks(([generator.paragraph()] + lines).joined(separator: "\n\n"))
            worst = max(worst, newHashes(before, after))
        }
        #expect(worst <= 3)
    }

    @Test func headingWithoutBodyProducesNoEmptyChunk() throws {
        let result = try chunks("# A\n## Empty\n## Full\nText.\n## Trailing\n")
        #expect(result.map(\.headingPath) == [["A", "Full"]])
        #expect(result[0].text == "A > Full\n\nText.")
    }

    private func newHashes(_ before: [DocumentChunk], _ after: [DocumentChunk]) -> Int {
        let old = Set(before.map(\.contentHash))
        return after.filter { !old.contains($0.contentHash) }.count
    }

    private func body(of chunk: DocumentChunk) -> Substring {
        let text = chunk.text
        guard let range = text.range(of: "\n\n") else { return Substring(text) }
        return text[range.upperBound...]
    }

    private func longestSuffixOfPreviousStartingNext(_ previous: Substring, _ next: Substring) -> Substring {
        var best: Substring = ""
        var index = previous.startIndex
        while index < previous.endIndex {
            let suffix = previous[index...]
            if suffix.count > best.count, next.hasPrefix(suffix), suffix.count >= 10 {
                best = suffix
            }
            index = previous.index(after: index)
        }
        return best
    }
}
