// ragsync — FrontmatterFuzzTests: random YAML in frontmatter never stops the process.

import RagsyncTestSupport
import Testing

@testable import Indexer

/// Frontmatter is input: whatever YAML a file holds, parsing must end in a document or a `DocumentParseError`.
/// Each document below is assembled from pieces chosen for Yams' and the conversion's edges: numbers that overflow,
/// dates out of range, explicit tags on the wrong kind of value, anchors, aliases and merge keys, escapes that YAML
/// allows and JSON or PostgreSQL do not. A trap anywhere stops this test's process, which fails the run.
@Suite struct FrontmatterFuzzTests {
    static let keys = ["title", "category", "tags", "date", "n", "a b", "<<", "\"q\"", "1", "null", "~", "é"]
    static let values = [
        "1:2:3:4:5:6:7:8:9:10:11:12:13", "-9:59:59:59:59:59:59:59:59:59:59:59", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "0x7fffffffffffffffff", "0b", "0o_", "1_000_000",
        "1e400", "-1e400", "1:30.5e3", ".inf", "-.Inf", ".NaN", "0.", "._5",
        "9999-99-99", "2024-13-45 25:61:61.9999999999 +99:99", "0000-00-00T00:00:00Z", "2024-1-1t1:00:00-0",
        "2024-05-01 10:00:00.", "yes", "No", "~", "", "<<", "=", "\"\\0\\x00\\u0000\"",
        "\"\\U0010FFFF\"", "'it''s'", "!!int abc", "!!int \"12\"", "!!float x", "!!bool maybe", "!!timestamp 1",
        "!!timestamp 2024-99-99", "!!binary \"%%%\"", "!!binary aGVsbG8=", "!!null x", "!!str 12", "!!map x",
        "!!seq x", "!custom 1", "!<tag:yaml.org,2002:int> 3", "!!int --153722867280912930:-8", "!!int 1:-5", "!!float -1:-0.5", "&c 1", "*a", "[*a, {k: *a}]",
        "[1, [2, [3, [4]]]]", "{a: 1, b: {c: 2}}", "{<<: *a}", "[*a, *a, *a, *a]", "\"\\t\\n\\r\"",
        "\u{FEFF}bom", "tab\there", "\u{2028}",
    ]
    /// Pieces that are not valid YAML where they land, drawn now and then.
    static let broken = [
        "- x", "? y", "@at", "`tick", "%x", "&", "*", "[", "{", "]", "*missing", "|\n  block\n  text", ">-\n  folded",
        "&b [1, *b]", "!", "!!", "\"\\uD800\"", "'\u{0}'",
    ]

    @Test(arguments: SeededGenerator.seeds(default: [11, 12, 13]))
    func randomFrontmatterEndsInADocumentOrAParseError(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for round in 0..<3_000 {
            // An anchor most documents' `*a` can refer to.
            var yaml = Int.random(in: 0..<4, using: &random) == 0 ? "" : "anchored: &a {x: 1, y: [2, 3]}\n"
            func value() -> String {
                let pieces = Int.random(in: 0..<20, using: &random) == 0 ? Self.broken : Self.values
                return pieces[Int.random(in: 0..<pieces.count, using: &random)]
            }
            for entry in 0..<Int.random(in: 1...6, using: &random) {
                // Mostly distinct keys, so that most documents get past Yams' duplicate-key check.
                let key = Self.keys[Int.random(in: 0..<Self.keys.count, using: &random)]
                    + (Int.random(in: 0..<5, using: &random) == 0 ? "" : "\(entry)")
                switch Int.random(in: 0..<5, using: &random) {
                case 0: yaml += "\(key):\n  - \(value())\n  - \(value())\n"
                case 1: yaml += "\(key):\n  inner: \(value())\n"
                default: yaml += "\(key): \(value())\n"
                }
            }
            let markdown = "---\n\(yaml)---\nBody\n"
            do {
                let document = try DocumentParser().parse(Array(markdown.utf8), path: "fuzz.md")
                #expect(!document.title.isEmpty, "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)) round \(round)")
            } catch {
                // A parse error names the file; anything else is a bug.
                #expect(error.path == "fuzz.md", "seed \(seed) round \(round): \(error)")
            }
        }
    }
}
