// ragsync — ChunkerTests: size limits, context lines, overlap, determinism and boundary stability.

import Testing
@testable import Indexer

@Suite struct ChunkerTests {
    let counter = ApproximateTokenCounter()
    let options = ChunkingOptions.standard

    /// Every document stores the signature it was cut with, and a document whose signature differs is cut again:
    /// this string may change only with a change to how documents are cut.
    @Test func theDefaultSignatureIsTheOneEarlierReleasesStored() {
        #expect(Chunker().signature == "chunker 5; target 500, overlap 75, max 1000, context 48; ApproximateTokenCounter")
    }

    @Test func aDocumentThatFitsInOneChunkStaysOneChunkWithItsHeadingsAsLines() throws {
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
        #expect(result.map(\.headingPath) == [["Jane Doe"]])
        #expect(result.first?.content == """
            Jane Doe

            Intro line.

            Experience > Acme Corp > Staff Engineer
            Built things.

            Experience > Beta Inc
            Did stuff.

            Skills
            - Swift
            - Postgres
            """)
        // The lead paragraph is the description, already in the body: not repeated in the embedded text.
        #expect(result.first?.text == result.first?.content)
    }

    @Test func sectionsLargerThanTheTargetAreCutAloneAndKeepTheirFullHeadingPath() throws {
        var generator = TextGenerator(seed: 3)
        let body = { (0..<12).map { _ in generator.paragraph() }.joined(separator: "\n\n") }
        let markdown = "# Jane Doe\n\n## Experience\n\n### Acme Corp\n\n\(body())\n\n## Skills\n\n\(body())\n"
        let result = try chunks(markdown)
        let paths = result.map(\.headingPath)
        #expect(paths.contains(["Jane Doe", "Experience", "Acme Corp"]))
        #expect(paths.contains(["Jane Doe", "Skills"]))
        #expect(result.filter { $0.headingPath == ["Jane Doe", "Skills"] }.allSatisfy { $0.content.hasPrefix("Jane Doe > Skills\n\n") })
        #expect(result.map(\.index) == Array(0..<result.count))
    }

    @Test func aSmallTopLevelSectionIsNotPackedIntoThePreviousSectionsLastSubsection() throws {
        var generator = TextGenerator(seed: 5)
        let job = { (0..<3).map { _ in generator.paragraph() }.joined(separator: "\n\n") }
        let markdown = """
            # Jane Doe

            \(generator.paragraph())

            ## Experience

            ### Acme Corp

            \(job())

            ### Beta Inc

            \(job())

            ## Education

            MSc Computer Science, University of Porto, 2015.

            ## Skills

            \((0..<16).map { _ in generator.paragraph() }.joined(separator: "\n\n"))
            """
        let result = try chunks(markdown)
        let education = result.filter { $0.content.contains("University of Porto") }
        // Packed into Beta Inc's chunk, it would be headed "Jane Doe" alone, and a question about studies would not
        // find it (issue 17: "Where did I study?").
        #expect(education.map(\.headingPath) == [["Jane Doe", "Education"]])
        #expect(education.first?.content.hasPrefix("Jane Doe > Education\n\n") == true)
    }

    @Test func smallSectionsSixLevelsDeepArePackedNotCutOnePerSection() throws {
        // Each section names its full heading path in a packed chunk; 30,000 of them made 20,775 chunks once.
        let markdown = (0..<3000).map { "\(String(repeating: "#", count: 1 + $0 % 6)) heading \($0)\n\nbody \($0)" }
            .joined(separator: "\n\n")
        let result = try chunks(markdown)
        #expect(result.count <= 200, "\(result.count) chunks for 3,000 sections")
        #expect(result.allSatisfy { $0.tokenCount <= options.maxTokens })
        #expect(result.map(\.index) == Array(0..<result.count))
        // Nothing is lost: every section's body is in some chunk.
        let text = result.map(\.content).joined(separator: "\n")
        #expect((0..<3000).allSatisfy { text.contains("body \($0)\n") || text.hasSuffix("body \($0)") })
    }

    @Test func twentyThousandOneLineSectionsBecomeAFewHundredChunksNearTheTarget() throws {
        // 21 bytes a section, as in the 417 KB file of issue 17.
        let markdown = (0..<20_000).map { "## s\($0)\n\nline \($0)" }.joined(separator: "\n\n")
        let result = try chunks(markdown)
        #expect(result.count <= 400, "\(result.count) chunks")
        #expect(result.allSatisfy { $0.tokenCount <= options.maxTokens })
        let average = result.map(\.tokenCount).reduce(0, +) / max(result.count, 1)
        #expect(average >= options.targetTokens * 3 / 4, "average \(average) tokens")
    }

    @Test func aFrontmatterDescriptionIsEmbeddedWithEveryChunkButNotStored() throws {
        let body = longDocument().joined(separator: "\n\n")
        let result = try chunks("---\ntitle: Handbook\ndescription: How the platform team runs on-call.\n---\n" + body)
        #expect(result.count > 5)
        #expect(result.allSatisfy { $0.text.hasPrefix($0.content.prefix { $0 != "\n" } + "\nHow the platform team runs on-call.\n\n") })
        #expect(result.allSatisfy { !$0.content.contains("How the platform team runs on-call.") })
    }

    @Test func aShortDocumentsLeadParagraphIsEmbeddedWithItsLaterChunks() throws {
        var generator = TextGenerator(seed: 5)
        let lead = "Tar archives files into one stream."
        let sections = (0..<4).map { "## Part \($0)\n\n" + (0..<5).map { _ in generator.paragraph() }.joined(separator: "\n\n") }
        let result = try chunks("# tar\n\n\(lead)\n\n" + sections.joined(separator: "\n\n"))
        #expect(result.count >= 2)
        #expect(result.dropFirst().allSatisfy { $0.text.contains(lead) && !$0.content.contains(lead) })
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

    @Test func aHeadingLongerThanTheLimitKeepsItsStartInPathsAndTheRestAsText() throws {
        var generator = TextGenerator(seed: 11)
        let heading = (0..<2_000).map { _ in generator.word() }.joined(separator: " ")
        let body = (0..<200).map { _ in generator.sentence() }.joined(separator: " ")
        let result = try chunks("# Title\n\n## " + heading + "\n\n" + body)
        #expect(result.count > 2)
        for chunk in result {
            #expect(chunk.headingPath.allSatisfy { $0.utf8.count <= HeadingLimit.byteLimit })
        }
        let (kept, rest) = HeadingLimit.split(heading)
        #expect(heading.hasPrefix(kept) && heading.hasSuffix(rest) && kept.utf8.count + 1 + rest.utf8.count == heading.utf8.count)
        #expect(result.contains { $0.headingPath.last == kept })
        // The rest of the heading is indexed as the section's text.
        let words = result.map(\.content).joined(separator: " ")
        #expect(words.contains(String(rest.prefix(200))))
        // A heading within the limit is untouched.
        #expect(HeadingLimit.split("Experience at Acme") == ("Experience at Acme", ""))
        // A first heading that long is the title within the same limit.
        let titled = try DocumentParser().parse(Array(("# " + heading + "\n\nBody.\n").utf8), path: "long.md")
        #expect(titled.title == kept)
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
