// ragsync — DocumentValidationTests: bytes PostgreSQL could not store are rejected with their offset.

import Testing
@testable import Indexer

@Suite struct DocumentValidationTests {
    @Test func nulByteIsRejectedWithItsOffset() {
        let bytes = Array("line one\nab".utf8) + [0] + Array("cd".utf8)
        #expect(throws: DocumentParseError.self) { try DocumentParser().parse(bytes, path: "bin.md") }
        do {
            _ = try DocumentParser().parse(bytes, path: "bin.md")
        } catch {
            #expect(error.code == .nulByte)
            #expect(error.byteOffset == 11)
            #expect(error.message.contains("byte offset 11"))
            #expect(error.message.contains("line 2"))
            #expect(error.description.hasPrefix("bin.md: "))
        }
    }

    @Test(arguments: [
        ([0x61, 0x62, 0xFF], 2),  // invalid lead byte
        ([0x61, 0xC3], 1),  // truncated sequence
        ([0xC0, 0xAF], 0),  // overlong
        ([0x61, 0xED, 0xA0, 0x80], 1),  // surrogate
        ([0xF4, 0x90, 0x80, 0x80], 0),  // above U+10FFFF
    ] as [([UInt8], Int)])
    func invalidUTF8IsRejectedWithItsOffset(bytes: [UInt8], offset: Int) {
        do {
            _ = try DocumentParser().parse(bytes, path: "bad.md")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidUTF8)
            #expect(error.byteOffset == offset)
            #expect(error.message.contains("invalid UTF-8 at byte offset \(offset)"))
        }
    }

    @Test func validMultibyteUTF8IsAccepted() throws {
        let document = try parsed("Grüße 世界 🙂\n")
        #expect(document.blocks == [.paragraph("Grüße 世界 🙂")])
    }

    @Test func titleFallsBackToFirstHeadingThenFileName() throws {
        #expect(try parsed("Intro\n\n## Second level\n\n# First\n").title == "Second level")
        #expect(try parsed("No headings.\n", path: "dir/my-great_notes.markdown").title == "my great notes")
        #expect(try parsed("No headings.\n", path: ".hidden").title == ".hidden")
    }
}
