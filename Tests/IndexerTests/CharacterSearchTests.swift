// ragsync — String.containsCharacters(of:): the byte search that decides whether a chunk repeats its description.

@testable import Indexer
import RagsyncTestSupport
import Testing

@Suite("Searching a chunk's text for its description")
struct CharacterSearchTests {
    @Test func aByteMatchCountsOnlyWhenItIsMadeOfWholeCharacters() {
        #expect("the lead paragraph, then more".containsCharacters(of: "lead paragraph"))
        #expect(!"the lead paragraph".containsCharacters(of: "lead paragraphs"))
        // CR LF is one character: "a\r" is not in "a\r\nb", although its bytes are.
        #expect(!"a\r\nb".containsCharacters(of: "a\r"))
        #expect("a\r\nb".containsCharacters(of: "a\r\n"))
        // "cafe" ends inside "e" + combining acute; "café" composed matches it decomposed.
        #expect(!"cafe\u{301} au lait".containsCharacters(of: "cafe"))
        #expect("cafe\u{301} au lait".containsCharacters(of: "caf\u{E9}"))
        #expect("anything".containsCharacters(of: ""))
        #expect(!"".containsCharacters(of: "x"))
    }

    /// Random texts over an alphabet of the cases that differ between bytes and characters (CR LF, combining marks,
    /// composed letters, regional indicators, emoji with joiners): the answer is always `firstRange(of:)`'s.
    @Test(arguments: SeededGenerator.seeds(default: [71, 72, 73]))
    func theAnswerIsAlwaysTheCharacterSearchs(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let pieces = ["a", "b", "e", " ", "\r", "\n", "\u{E9}", "\u{301}", "\u{1F1FA}", "\u{1F1F8}", "\u{200D}", "\u{1F469}"]
        func text(_ length: Int) -> String {
            (0..<length).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &random)] }.joined()
        }
        for round in 0..<4_000 {
            let haystack = text(Int.random(in: 0...12, using: &random))
            // Half the needles are cut from the haystack, so matches are common.
            var needle = text(Int.random(in: 0...4, using: &random))
            if Bool.random(using: &random), !haystack.isEmpty {
                let scalars = Array(haystack.unicodeScalars)
                let start = Int.random(in: 0..<scalars.count, using: &random)
                let end = Int.random(in: start...scalars.count, using: &random)
                needle = String(String.UnicodeScalarView(scalars[start..<end]))
            }
            #expect(
                haystack.containsCharacters(of: needle) == (haystack.firstRange(of: needle) != nil),
                "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed)), round \(round): \(haystack.debugDescription) / \(needle.debugDescription)")
        }
    }
}
