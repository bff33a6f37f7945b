// ragsync — YAMLComposerReferenceTests: the composer against Yams, on random texts.

import RagsyncTestSupport
import Testing
import YAML
import Yams

/// Yams links its own copy of libyaml into the test binary, and the copy's symbols take precedence over the system's
/// library there: these tests compare the composition logic over the same parser. The ragsync binary that the
/// integration and systemd tests run links only the system's libyaml.
@Suite struct YAMLComposerReferenceTests {
    /// Random texts built from YAML's pieces (flow and block collections, every scalar style, tags, anchors,
    /// aliases, comments, documents and broken pieces): composed here and by Yams (over the same libyaml), both
    /// refuse the text on the same line or both give the same tree.
    @Test(arguments: SeededGenerator.seeds(default: [21, 22, 23]))
    func randomTextsComposeAsYamsComposesThem(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for round in 0..<2_000 {
            var generator = RandomYAML(random: &random)
            let text = generator.document()
            let context = "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)) round \(round): \(text.debugDescription)"
            let ours = Result { () throws(YAMLError) -> YAMLNode? in try YAMLComposer.compose(text) }
            let reference = Result { try Yams.compose(yaml: text, .basic, .default, .utf8) }
            switch (ours, reference) {
            case (.success(let node), .success(let expected)):
                #expect(node.map(Self.shape) == expected.map(Self.shape), "\(context)")
            case (.failure(let error), .failure(let expected)):
                #expect(error.line == Self.line(of: expected), "\(context): \(error) against \(expected)")
            case (.success, .failure(let expected)):
                Issue.record("\(context): composed here, Yams refused it: \(expected)")
            case (.failure(let error), .success):
                Issue.record("\(context): refused here (\(error)), Yams composed it")
            }
        }
    }

    /// A node tree as text, with each node's kind, tag, style and line.
    static func shape(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let scalar):
            let tag = scalar.tag == nil || scalar.tag == .nonSpecific ? YAMLTag.str : scalar.tag
            return "s(\(scalar.text.debugDescription) \(tag?.rawValue ?? "") \(scalar.style) @\(scalar.line))"
        case .sequence(let sequence):
            return "q(\((sequence.tag ?? .seq).rawValue) @\(sequence.line) ["
                + sequence.nodes.map(shape).joined(separator: ", ") + "])"
        case .mapping(let mapping):
            return "m(\((mapping.tag ?? .map).rawValue) @\(mapping.line) {"
                + mapping.pairs.map { shape($0.key) + ": " + shape($0.value) }.joined(separator: ", ") + "})"
        }
    }

    /// Yams' tree in the same form. Yams resolves a tag in place once it is compared (keys, quoted scalars), so both
    /// sides show tags resolved as the basic resolver does: none written is `!!str`, `!!seq` or `!!map`, and `!` is
    /// `!!str`.
    static func shape(_ node: Yams.Node) -> String {
        func resolved(_ tag: Yams.Tag, _ implicit: YAMLTag) -> String {
            tag.description.isEmpty || tag.description == "!" ? implicit.rawValue : tag.description
        }
        switch node {
        case .scalar(let scalar):
            let style: YAMLNode.Scalar.Style
            switch scalar.style {
            case .singleQuoted: style = .singleQuoted
            case .doubleQuoted: style = .doubleQuoted
            case .literal: style = .literal
            case .folded: style = .folded
            default: style = .plain
            }
            let tag = resolved(scalar.tag, YAMLTag.str)
            return "s(\(scalar.string.debugDescription) \(tag) \(style) @\(scalar.mark?.line ?? 0))"
        case .sequence(let sequence):
            let tag = resolved(sequence.tag, YAMLTag.seq)
            let nodes: [String] = sequence.map { shape($0) }
            return "q(\(tag) @\(sequence.mark?.line ?? 0) [" + nodes.joined(separator: ", ") + "])"
        case .mapping(let mapping):
            let tag = resolved(mapping.tag, YAMLTag.map)
            let pairs: [String] = mapping.map { shape($0.key) + ": " + shape($0.value) }
            return "m(\(tag) @\(mapping.mark?.line ?? 0) {" + pairs.joined(separator: ", ") + "})"
        case .alias(let alias):
            return "alias(\(alias.anchor))"
        }
    }

    /// The line Yams gives for an error, as Frontmatter read it.
    static func line(of error: any Error) -> Int? {
        switch error as? YamlError {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        case .duplicatedKeysInMapping(_, let context): return context.mark.line
        default: return nil
        }
    }
}

/// Builds random YAML texts from pieces chosen for the composer's edges.
private struct RandomYAML {
    var random: SeededGenerator
    var anchors = 0

    init(random: inout SeededGenerator) {
        self.random = SeededGenerator(seed: random.next())
    }

    static let scalars = [
        "a", "b", "12", "\"12\"", "'x y'", "\"\\t\\u00e9\"", "~", "yes", "2024-05-01 10:00:00", "!!int 7", "!!str 8",
        "! x", "!custom z", "!<tag:yaml.org,2002:float> 1", "\"multi\n  line\"", "é", "<<", "=", "''", "\"\"",
    ]
    static let broken = ["[", "]", "{", "}", ": :", "- -", "\"open", "'open", "*", "&", "!!", "@", "`", "%", "\t"]

    mutating func pick(_ choices: [String]) -> String { choices[Int.random(in: 0..<choices.count, using: &random)] }
    mutating func chance(_ oneIn: Int) -> Bool { Int.random(in: 0..<oneIn, using: &random) == 0 }

    mutating func document() -> String {
        var text = chance(8) ? "--- " : ""
        text += chance(3) ? flow(depth: 0) : block(indent: "", depth: 0)
        if chance(10) { text += "\n---\nsecond: 1" }
        if chance(6) { text.insert(contentsOf: pick(Self.broken), at: text.index(text.startIndex, offsetBy: Int.random(in: 0...text.count, using: &random))) }
        return text + (chance(5) ? "\n# comment\n" : "\n")
    }

    mutating func scalar() -> String {
        if anchors > 0, chance(6) { return "*a\(Int.random(in: 0..<anchors, using: &random))" }
        if chance(8) {
            anchors += 1
            return "&a\(anchors - 1) " + pick(Self.scalars)
        }
        return pick(Self.scalars)
    }

    mutating func flow(depth: Int) -> String {
        if depth > 3 || chance(3) { return scalar() }
        let count = Int.random(in: 0...3, using: &random)
        if chance(2) {
            return "[" + (0..<count).map { _ in flow(depth: depth + 1) }.joined(separator: ", ") + "]"
        }
        return "{" + (0..<count).map { _ in key() + ": " + flow(depth: depth + 1) }.joined(separator: ", ") + "}"
    }

    mutating func key() -> String {
        chance(4) ? pick(["a", "b", "\"a\"", "1", "!!int 1", "? k"]) : "k\(Int.random(in: 0..<50, using: &random))"
    }

    mutating func block(indent: String, depth: Int) -> String {
        let count = Int.random(in: 1...4, using: &random)
        let asList = chance(3)
        return (0..<count).map { _ in
            let head = indent + (asList ? "- " : key() + ":")
            if depth < 3, chance(3) {
                return head + "\n" + block(indent: indent + "  ", depth: depth + 1)
            }
            if chance(10) { return head + " |\n" + indent + "  text\n" + indent + "  more" }
            return head + " " + (chance(4) ? flow(depth: 1) : scalar())
        }.joined(separator: "\n")
    }
}
