// ragsync — YAMLPlainScalarTests: the hand-written YAML types and numbers against Yams' own resolver.

import RagsyncTestSupport
import Foundation
import Testing
import Yams

@testable import Indexer

@Suite struct YAMLPlainScalarTests {
    /// Texts near every rule's edges: each rule's examples, then the same with one character changed.
    static let examples = [
        "", "~", "null", "Null", "NULL", "nULL", "yes", "Yes", "YES", "yEs", "y", "n", "on", "Off", "true", "FALSE",
        "0", "00", "0_", "07", "08", "0o17", "0o", "0o8", "0b101", "0b", "0b2", "0x1F", "0x", "0xg", "-0x1f", "+0b1",
        "12", "-12", "+12", "1_000", "_1", "1:30", "1:60", "1:5", "1:05", "1:059", "-1:30:00", "1::30", "1:3a",
        "0:30", "1.5", "-1.5e3", "1e3", "1E+3", "1e", ".5", ".5e+3", ".5e3", "._", "1.", "1:30.5", "1:30.", "+.inf",
        "-.Inf", ".INF", ".inf.", ".nan", ".NaN", "-.nan", "<<", "<", "=", "==", "2024-05-01", "2024-5-1",
        "2024-05-01T10:00:00", "2024-5-1t1:00:00", "2024-05-01 10:00:00.123 +02:00", "2024-05-01 \t10:00:00Z",
        "2024-05-01T10:00:00 Z", "2024-05-01T10:00:00+5", "2024-05-01T10:00:00+123", "2024-05-01T10:00:00 ",
        "2024-05-01T10:00", "20240-05-01", "2024-005-01", "12\n", "yes\r\n", "~\u{2028}", "1.5\u{85}", "\n", "a",
        "１２", "1 2", "0x_", "1__2", "+", "-", ".", "e3", "1e3.5", "1:30:30.5e3",
    ]

    @Test func everyExampleIsTypedAsYamsTypesIt() {
        for text in Self.examples {
            #expect(
                YAMLPlainScalar.tag(of: text).rawValue == Resolver.default.resolveTag(of: Node(text)).rawValue,
                "\(text.debugDescription)")
        }
    }

    @Test func everyExampleNumberIsReadAsYamsReadsIt() {
        for text in Self.examples { expectSameValues(text) }
    }

    /// Random texts over the characters the patterns care about; short, so that no sexagesimal integer overflows
    /// Yams' unchecked arithmetic (which would stop this test, as it stopped the daemon).
    @Test(arguments: SeededGenerator.seeds(default: [1, 2, 3]))
    func randomTextsAreTypedAndReadAsYamsDoes(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let alphabet = Array("0123456789015_:.+-eEbxoTtZ \t-:infINFnaNAyesYESo~<=lu\n")
        for _ in 0..<4_000 {
            let text = String((0..<Int.random(in: 0...12, using: &random)).map { _ in
                alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
            })
            let expected = Resolver.default.resolveTag(of: Node(text))
            #expect(YAMLPlainScalar.tag(of: text).rawValue == expected.rawValue, "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)): \(text.debugDescription)")
            expectSameValues(text, seed: seed)
        }
    }

    /// Date-times near the pattern's and the calendar's edges: fields past their range (month 13, hour 99), every
    /// length of fraction, zones of one and two digits with and without minutes, and zones past 18 hours.
    @Test(arguments: SeededGenerator.seeds(default: [4, 5, 6]))
    func randomTimestampsNameTheInstantYamsComputes(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
        }
        func pick(_ choices: [String]) -> String { choices[Int.random(in: 0..<choices.count, using: &random)] }
        for _ in 0..<3_000 {
            var text = digits(4) + "-" + digits(Int.random(in: 1...2, using: &random)) + "-"
                + digits(Int.random(in: 1...2, using: &random))
            if Int.random(in: 0..<6, using: &random) > 0 {
                text += pick(["T", "t", " ", " \t ", "x"]) + digits(Int.random(in: 1...2, using: &random)) + ":"
                    + digits(2) + ":" + digits(Int.random(in: 1...2, using: &random) == 1 ? 2 : 2)
                text += pick(["", "", ".", "." + digits(Int.random(in: 1...12, using: &random))])
                text += pick(["", "Z", " Z", "+" + digits(1), "-" + digits(2), "+" + digits(2) + ":" + digits(2),
                              " \t-" + digits(1) + ":" + digits(2), "+" + digits(3), "Z "])
            }
            expectSameValues(text, seed: seed)
        }
    }

    /// Yams trapped on these (it multiplies the base once more after the last digit, unchecked).
    @Test func sexagesimalIntegersAreReadUpToIntsLimitAndNotPastIt() {
        let digits = Array(1...11)
        #expect(YAMLPlainScalar.tag(of: "1:2:3:4:5:6:7:8:9:10:11") == .int)
        #expect(YAMLPlainScalar.int("1:2:3:4:5:6:7:8:9:10:11") == digits.reduce(0) { $0 * 60 + $1 })
        #expect(YAMLPlainScalar.int("1:0:0:0:0:0:0:0:0:0:0:0") == nil)  // 60^11 > Int.max
        #expect(YAMLPlainScalar.int("9223372036854775807:0") == nil)
        #expect(YAMLPlainScalar.int("-2:0:0:0:0:0:0:0:0:0:0") == -2 * 604_661_760_000_000_000)
        #expect(YAMLPlainScalar.int("-1:30") == -90)
        // Reachable through an explicit tag (`!!int --153722867280912930:-8`): Int.min, then negated.
        #expect(YAMLPlainScalar.int("+-153722867280912930:-8") == Int.min)
        #expect(YAMLPlainScalar.int("--153722867280912930:-8") == nil)
    }

    @Test func whiteSpaceIsTrimmedAsFoundationTrimsIt() {
        #expect(" \t\u{A0}a b\u{2028}\r\n".trimmingWhitespace() == "a b")
        #expect("\u{3000}\u{85}".trimmingWhitespace() == "")
        #expect("x\u{200B}".trimmingWhitespace() == "x\u{200B}")  // a zero-width space is not white space
        #expect(" \t\u{3000}12\n".trimmingSpaces() == "12\n")
    }

    /// Only the values Yams can construct are compared (its integer arithmetic does not check for overflow).
    private func expectSameValues(_ text: String, seed: UInt64? = nil) {
        let plain = Node.Scalar(text, Tag(.implicit), .plain)
        let context = "\(seed.map { "seed \($0): " } ?? "")\(text.debugDescription)"
        let tag = YAMLPlainScalar.tag(of: text)
        if tag == .int {
            #expect(YAMLPlainScalar.int(text) == Int.construct(from: plain), "\(context)")
        }
        if tag == .float || tag == .int {
            let expected = Double.construct(from: plain)
            let actual = YAMLPlainScalar.float(text)
            #expect(actual == expected || (actual?.isNaN == true && expected?.isNaN == true), "\(context)")
        }
        if tag == .bool {
            #expect(YAMLPlainScalar.bool(text) == Bool.construct(from: plain), "\(context)")
        }
        if tag == .timestamp {
            #expect(YAMLPlainScalar.timestamp(text) == Date.construct(from: plain), "\(context)")
        }
    }
}
