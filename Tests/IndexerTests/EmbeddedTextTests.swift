// ragsync — EmbeddedText: every chunk's embedded text comes back from its stored content and the description.

@testable import Indexer
import Testing

@Suite("Embedded text rebuilt from the database")
struct EmbeddedTextTests {
    /// Documents of every shape the chunker handles: with a frontmatter description, with a lead paragraph standing
    /// for one, with neither, short and long, with one section larger than a chunk.
    private func documents(seed: UInt64) -> [String] {
        var generator = TextGenerator(seed: seed)
        let long = longDocument(sections: 3, paragraphsPerSection: 20, seed: seed).joined(separator: "\n\n")
        return [
            "---\ntitle: Described\ndescription: \(generator.sentence())\n---\n\n# Described\n\n\(long)",
            "---\ntitle: Summarised\nsummary: \(generator.sentence())\n---\n\n\(generator.paragraph())",
            "# Short\n\n\(generator.paragraph())\n\n## Next\n\n\(generator.paragraph())",
            "---\ntitle: Plain\n---\n\n\(long)",
            "---\ntitle: One section\ndescription: x y z\n---\n\n## Only\n\n"
                + (0..<60).map { _ in generator.paragraph() }.joined(separator: " "),
        ]
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func everyChunksTextIsRebuiltFromItsContentAndTheDocumentsDescription(seed: UInt64) throws {
        for markdown in documents(seed: seed) {
            let cut = try chunks(markdown)
            let descriptions = Set(cut.compactMap(EmbeddedText.description(of:)).filter { !$0.isEmpty })
            #expect(descriptions.count <= 1, "one description per document, got \(descriptions)")
            let description = descriptions.first ?? ""
            for chunk in cut {
                #expect(EmbeddedText.description(of: chunk) != nil)
                let rebuilt = EmbeddedText.rebuild(
                    content: chunk.content, description: description, hash: chunk.contentHash.hex)
                #expect(rebuilt == chunk.text, "chunk \(chunk.index) of \(markdown.prefix(40))")
            }
        }
    }

    @Test func aTextThatDoesNotMatchTheHashIsNotGuessed() {
        let chunk = DocumentChunk(index: 0, headingPath: [], text: "T\nabout\n\nbody", content: "T\n\nbody", tokenCount: 3)
        #expect(EmbeddedText.description(of: chunk) == "about")
        #expect(EmbeddedText.rebuild(content: chunk.content, description: "about", hash: chunk.contentHash.hex) == chunk.text)
        #expect(EmbeddedText.rebuild(content: chunk.content, description: nil, hash: chunk.contentHash.hex) == nil)
        #expect(EmbeddedText.rebuild(content: chunk.content, description: "other", hash: chunk.contentHash.hex) == nil)
        #expect(EmbeddedText.rebuild(content: "no blank line", description: "about", hash: chunk.contentHash.hex) == nil)
    }
}
