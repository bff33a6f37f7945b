// ragsync — WordPieceTokenizerTests: token ids identical to the reference tokenizer.

import LocalEmbedding
import Testing

@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    @Test("the fixture has all 42 reference texts")
    func fixtureIsComplete() throws {
        let fixture = try ReferenceFixture.loaded.get()
        #expect(fixture.count == 42)
        #expect(fixture.items.count == 42)
        #expect(fixture.dimension == MiniLMModel.dimensions)
    }

    @Test("token ids are identical to the reference tokenizer's", arguments: ReferenceFixture.itemNames)
    func tokenIDsMatchReference(name: String) throws {
        let item = try ReferenceFixture.item(named: name)
        let tokenizer = try ModelUnderTest.model().tokenizer
        let ids = tokenizer.encode(item.text)
        let tokens = ids.map { tokenizer.token(for: $0) ?? "?" }
        #expect(ids == item.tokenIDs, "tokens \(tokens), reference \(item.tokens)")
    }

    @Test("count gives the untruncated wordpieces without [CLS]/[SEP]", arguments: ReferenceFixture.itemNames)
    func countMatchesReferenceUntruncatedLength(name: String) throws {
        let item = try ReferenceFixture.item(named: name)
        let tokenizer = try ModelUnderTest.model().tokenizer
        #expect(tokenizer.count(item.text) == item.untruncatedCount - 2)
    }

    @Test("a long text is truncated to 256 tokens ending in [SEP]")
    func longTextIsTruncatedTo256() throws {
        let tokenizer = try ModelUnderTest.model().tokenizer
        let ids = tokenizer.encode(String(repeating: "indexing markdown notes ", count: 200))
        #expect(ids.count == WordPieceTokenizer.maxSequenceLength)
        #expect(ids.first == tokenizer.classifierID)
        #expect(ids.last == tokenizer.separatorID)
    }

    @Test("a word of 100 characters is split, one of 101 is [UNK]")
    func wordsOverHundredCharactersAreUnknown() throws {
        let tokenizer = try ModelUnderTest.model().tokenizer
        #expect(tokenizer.wordpieces(String(repeating: "a", count: 100)).count == 50)
        #expect(tokenizer.wordpieces(String(repeating: "a", count: 101)) == [tokenizer.unknownID])
        // Counted after accent stripping, in Unicode scalars: 101 × "e" + U+0301 is 101 characters.
        #expect(tokenizer.wordpieces(String(repeating: "e\u{301}", count: 101)) == [tokenizer.unknownID])
    }

    @Test("control characters other than tab and newlines are deleted, not turned into spaces")
    func controlCharactersAreDeleted() throws {
        let tokenizer = try ModelUnderTest.model().tokenizer
        let expected = tokenizer.wordpieces("ab")
        for control in ["\u{0B}", "\u{85}", "\u{1C}", "\u{200B}", "\u{E000}", "\u{0}", "\u{FFFD}"] {
            #expect(tokenizer.wordpieces("a\(control)b") == expected, "U+\(control.unicodeScalars.first!.value)")
        }
        #expect(tokenizer.wordpieces("a\tb\u{A0}c").count == 3)
    }

    @Test("a vocabulary without [UNK] is refused")
    func vocabularyWithoutSpecialTokensIsRefused() {
        #expect(throws: LocalModelError.self) {
            try WordPieceTokenizer(tokens: ["[PAD]", "[CLS]", "[SEP]", "a"], path: "test-vocab.txt")
        }
    }
}
