// ragsync — FrontmatterParsingTests.

import Testing
@testable import Indexer

@Suite struct FrontmatterParsingTests {
    @Test func titleCategoryAndTagListAreRead() throws {
        let document = try parsed("---\ntitle: My Résumé\ncategory: cv\ntags: [swift, linux, swift]\n---\n# Heading\n\nBody.\n")
        #expect(document.title == "My Résumé")
        #expect(document.category == "cv")
        #expect(document.tags == ["swift", "linux"])
        #expect(document.warnings.isEmpty)
        #expect(document.blocks == [.heading(level: 1, text: "Heading"), .paragraph("Body.")])
    }

    @Test func tagsAsCommaSeparatedStringAreSplitAndTrimmed() throws {
        let document = try parsed("---\ntags: \"swift,  postgres ,,rag \"\n---\nText\n")
        #expect(document.tags == ["swift", "postgres", "rag"])
    }

    @Test func numberTitleAndYesAreKeptAsWritten() throws {
        let document = try parsed("---\ntitle: 2024\ncategory: yes\n---\nText\n")
        #expect(document.title == "2024")
        #expect(document.category == "yes")
    }

    /// Such a value stopped the daemon with an arithmetic overflow inside Yams.
    @Test func aHugeSexagesimalNumberIsKeptAsText() throws {
        let document = try parsed("---\nsmall: 1:30\nlong: 1:2:3:4:5:6:7:8:9:10:11\nhuge: 1:0:0:0:0:0:0:0:0:0:0:0\n---\nText\n")
        #expect(document.extraMetadata["small"] == .int(90))
        #expect(document.extraMetadata["long"] == .int(625_332_472_278_081_011))
        #expect(document.extraMetadata["huge"] == .string("1:0:0:0:0:0:0:0:0:0:0:0"))
    }

    @Test func extraKeysGoIntoMetadataWithTypes() throws {
        let yaml = """
            ---
            title: T
            draft: yes
            rating: 4.5
            count: 12
            published: 2024-05-01
            updated: 2024-05-01T10:20:30Z
            quoted: "yes"
            links:
              - https://example.com
              - nested: {a: 1}
            empty:
            ---
            Text
            """
        let document = try parsed(yaml)
        let metadata = document.extraMetadata
        #expect(metadata["draft"] == .bool(true))
        #expect(metadata["rating"] == .double(4.5))
        #expect(metadata["count"] == .int(12))
        #expect(metadata["published"] == .string("2024-05-01"))
        #expect(metadata["updated"] == .string("2024-05-01T10:20:30Z"))
        #expect(metadata["quoted"] == .string("yes"))
        #expect(metadata["links"] == .array([.string("https://example.com"), .object(["nested": .object(["a": .int(1)])])]))
        #expect(metadata["empty"] == .null)
        #expect(metadata["title"] == nil)
    }

    @Test func wrongFieldTypesWarnButDoNotFail() throws {
        let document = try parsed("---\ntitle: {a: 1}\ntags: {x: y}\n---\n# Fallback\n")
        #expect(document.title == "Fallback")
        #expect(document.tags.isEmpty)
        #expect(document.warnings.count == 2)
        #expect(document.warnings.contains { $0.contains("`title`") && $0.contains("mapping") })
    }

    @Test func malformedYAMLIsAnErrorNamingTheLine() {
        #expect {
            try parsed("---\ntitle: ok\ntags: [unclosed\nother: x\n---\nBody\n")
        } throws: { error in
            guard let error = error as? DocumentParseError else { return false }
            return error.code == .malformedFrontmatter && error.message.hasPrefix("frontmatter is not valid YAML: ")
                && error.message.contains("(line ") && error.line != nil
        }
    }

    @Test func frontmatterLargerThanTheLimitIsRefusedUnread() throws {
        let keys = (0..<40_000).map { "key\($0): value \($0)\n" }.joined()
        #expect(keys.utf8.count > Frontmatter.byteLimit)
        #expect {
            try parsed("---\ntitle: big\n" + keys + "---\nBody\n")
        } throws: { error in
            guard let error = error as? DocumentParseError else { return false }
            return error.code == .frontmatterTooLarge && error.line == 2
                && error.message.contains("more than the 256 KB ragsync reads") && error.message.contains("into the body")
        }
        // Just under the limit, the same keys are read.
        let fitting = (0..<9_999).map { "key\($0): value \($0)\n" }.joined()
        #expect(try parsed("---\n" + fitting + "---\nBody\n").extraMetadata.count == 9_999)
    }

    /// Tens of thousands of `[` fit in the size limit; composed or converted recursively they would overflow a
    /// thread's stack. 300 levels stay below the nesting limit of the libyaml copy Yams links into the test binary
    /// (1,000, counted from how far its scanner has read), so the composer's own limit is the one met.
    @Test func frontmatterNestedTooDeeplyIsRefusedWithItsLine() {
        let deep = "links:\n  - " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "\n"
        #expect {
            try parsed("---\ntitle: deep\n" + deep + "---\nBody\n")
        } throws: { error in
            guard let error = error as? DocumentParseError else { return false }
            return error.code == .frontmatterTooLarge && error.line == 4
                && error.message.contains("nested deeper than 256 levels") && error.message.contains("into the body")
        }
    }

    @Test func nonMappingFrontmatterIsAnError() {
        #expect {
            try parsed("---\n- a\n- b\n---\nBody\n")
        } throws: { error in
            guard let error = error as? DocumentParseError else { return false }
            return error.code == .frontmatterNotMapping && error.message.contains("must be a mapping")
                && error.message.contains("a list")
        }
    }

    @Test func fileWithoutFrontmatterIsAllMarkdown() throws {
        let document = try parsed("Just text.\n\n---\n\nMore.\n", path: "a/plain_note-file.md")
        #expect(document.title == "plain note file")
        #expect(document.blocks == [.paragraph("Just text."), .thematicBreak, .paragraph("More.")])
    }

    @Test func byteOrderMarkIsStripped() throws {
        let document = try DocumentParser().parse([0xEF, 0xBB, 0xBF] + Array("---\ntitle: BOM\n---\nHi\n".utf8), path: "x.md")
        #expect(document.title == "BOM")
        #expect(document.blocks == [.paragraph("Hi")])
    }

    @Test func crlfLineEndingsAreTolerated() throws {
        let document = try parsed("---\r\ntitle: Windows\r\ntags: a, b\r\n...\r\n# H\r\n\r\nLine one\r\nline two\r\n")
        #expect(document.title == "Windows")
        #expect(document.tags == ["a", "b"])
        #expect(document.blocks == [.heading(level: 1, text: "H"), .paragraph("Line one line two")])
    }

    @Test func emptyAndFrontmatterOnlyFilesHaveNoChunks() throws {
        #expect(try chunks("").isEmpty)
        #expect(try chunks("---\ntitle: Only\n---\n").isEmpty)
        #expect(try parsed("---\n---\n").title == "test doc")
    }

    @Test func unclosedFrontmatterIsReadAsMarkdownWithWarning() throws {
        let document = try parsed("---\ntitle: x\n\nText\n")
        #expect(document.warnings.count == 1)
    }
}
