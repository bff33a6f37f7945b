// ragsync — TestDocuments: deterministic generated markdown for chunker tests.

@testable import Indexer

/// Deterministic pseudo-random prose (SplitMix64), so tests are repeatable without fixtures.
struct TextGenerator {
    private var state: UInt64
    private static let words = [
        "the", "system", "index", "vector", "query", "engineer", "design", "latency", "storage", "replica",
        "daemon", "folder", "markdown", "embedding", "token", "chunk", "boundary", "stable", "hash", "retrieval",
        "search", "answer", "context", "document", "section", "heading", "paragraph", "summary", "project",
        "customer", "platform", "service", "deploy", "monitor", "failure", "recovery", "throughput", "budget",
        "a", "of", "and", "to", "in", "for", "with", "on", "at", "by", "from", "careful", "quickly", "reliable",
    ]

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func word() -> String { Self.words[Int(next() % UInt64(Self.words.count))] }

    mutating func sentence() -> String {
        let count = 6 + Int(next() % 14)
        var words = (0..<count).map { _ in word() }
        words[0] = words[0].prefix(1).uppercased() + words[0].dropFirst()
        return words.joined(separator: " ") + "."
    }

    mutating func paragraph() -> String {
        (0..<(2 + Int(next() % 5))).map { _ in sentence() }.joined(separator: " ")
    }
}

/// A long document: a few sections with many paragraphs each.
func longDocument(sections: Int = 6, paragraphsPerSection: Int = 24, seed: UInt64 = 42) -> [String] {
    var generator = TextGenerator(seed: seed)
    var lines: [String] = []
    for section in 0..<sections {
        lines.append("## Section \(section + 1)")
        for _ in 0..<paragraphsPerSection { lines.append(generator.paragraph()) }
    }
    return lines
}

func parsed(_ markdown: String, path: String = "notes/test-doc.md") throws -> ParsedDocument {
    try DocumentParser().parse(Array(markdown.utf8), path: path)
}

func chunks(_ markdown: String) throws -> [DocumentChunk] {
    Chunker().chunks(for: try parsed(markdown))
}
