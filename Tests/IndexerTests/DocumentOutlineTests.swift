// ragsync — DocumentOutline: the title and the chunks' heading paths, in order, once each, within the budget.

@testable import Indexer
import Testing

@Suite("Document outline")
struct DocumentOutlineTests {
    private func chunk(_ index: Int, _ path: [String]) -> DocumentChunk {
        DocumentChunk(index: index, headingPath: path, text: "text \(index)", tokenCount: 2)
    }

    @Test func listsEachHeadingPathOnceInChunkOrder() {
        let chunks = [
            chunk(0, []), chunk(1, ["Stored Properties"]), chunk(2, ["Stored Properties", "Lazy Stored Properties"]),
            chunk(3, ["Stored Properties", "Lazy Stored Properties"]), chunk(4, ["Computed Properties"]),
        ]
        let outline = DocumentOutline(title: "Properties", chunks: chunks, limit: 200, counter: ApproximateTokenCounter())
        #expect(
            outline.text
                == "Properties. Stored Properties; Stored Properties, Lazy Stored Properties; Computed Properties")
    }

    @Test func stopsAtTheTokenBudgetBetweenPaths() {
        let chunks = (0..<50).map { chunk($0, ["Section number \($0) with a long heading"]) }
        let counter = ApproximateTokenCounter()
        let outline = DocumentOutline(title: "Big", chunks: chunks, limit: 40, counter: counter)
        #expect(counter.tokenCount(outline.text[...]) <= 40)
        #expect(outline.text.hasPrefix("Big. Section number 0"))
        #expect(!outline.text.hasSuffix("; "))
    }

    @Test func itsHashIsNotTheHashOfAChunkWithTheSameText() {
        let outline = DocumentOutline(title: "Same", chunks: [], limit: 10, counter: ApproximateTokenCounter())
        #expect(outline.text == "Same")
        #expect(outline.hash != ContentHash(of: "Same").hex)
    }
}
