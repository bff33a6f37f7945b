// ragsync — YAMLComposerTests: libyaml's events composed into node trees, as Yams composed them.

import RagsyncTestSupport
import Testing
import YAML
import Yams

@Suite struct YAMLComposerTests {
    @Test func scalarsKeepTheirTextStyleTagAndLine() throws {
        let root = try YAMLComposer.compose(
            """
            plain: 12
            quoted: "12"
            single: 'it''s'
            tagged: !!int 7
            bare: ! x
            block: |
              two
              lines
            """)
        guard case .mapping(let mapping) = root else {
            Issue.record("expected a mapping, got \(String(describing: root))")
            return
        }
        let values = mapping.pairs.map { pair -> YAMLNode.Scalar? in
            if case .scalar(let scalar) = pair.value { return scalar }
            return nil
        }
        #expect(values.map { $0?.text } == ["12", "12", "it's", "7", "x", "two\nlines"])
        #expect(values.map { $0?.style } == [.plain, .doubleQuoted, .singleQuoted, .plain, .plain, .literal])
        #expect(values.map { $0?.tag } == [nil, nil, nil, .int, .nonSpecific, nil])
        #expect(values.map { $0?.line } == [1, 2, 3, 4, 5, 6])
    }

    @Test func anAliasIsTheNodeItsAnchorNames() throws {
        let root = try YAMLComposer.compose("base: &b {x: 1}\ncopy: *b\nlist: [*b, *b]\n")
        guard case .mapping(let mapping) = root else {
            Issue.record("expected a mapping")
            return
        }
        #expect(mapping.pairs[1].value == mapping.pairs[0].value)
        #expect(mapping.pairs[2].value == .sequence(YAMLNode.Sequence(nodes: [mapping.pairs[0].value, mapping.pairs[0].value])))
    }

    @Test func anEmptyOrCommentOnlyTextHasNoDocument() throws {
        #expect(try YAMLComposer.compose("") == nil)
        #expect(try YAMLComposer.compose("# only a comment\n\n") == nil)
    }

    @Test func problemsCarryLibyamlsWordsAndTheirLine() {
        #expect(throws: YAMLError(.composer, problem: "found undefined alias", line: 2)) {
            try YAMLComposer.compose("a: 1\nb: *missing\n")
        }
        #expect(
            throws: YAMLError(
                .composer, problem: "but found another document", context: "expected a single document in the stream",
                line: 2)
        ) {
            try YAMLComposer.compose("a: 1\n---\nb: 2\n")
        }
        do {
            _ = try YAMLComposer.compose("a: b: c\n")
            Issue.record("a mapping value inside a plain scalar was accepted")
        } catch {
            #expect(error.kind == .scanner)
            #expect(error.problem == "mapping values are not allowed in this context")
            #expect(error.line == 1)
        }
    }

    @Test func aKeyNamedTwiceIsRefusedWithTheFirstDuplicatesLine() throws {
        #expect(throws: YAMLError(.duplicateKeys, problem: "duplicate key(s) 'a', 'b'", line: 2)) {
            try YAMLComposer.compose("z: 0\na: 1\nb: 2\nb: 3\na: 4\n")
        }
        // A quoted key and a plain one with the same text are the same key; an explicitly tagged one is not.
        #expect(throws: YAMLError.self) { try YAMLComposer.compose("1: a\n\"1\": b\n") }
        #expect(try YAMLComposer.compose("1: a\n!!int 1: b\n") != nil)
    }

    /// A 256 KB frontmatter of `[` would nest 262,144 levels; composing and converting it recursively would overflow
    /// a thread's stack.
    @Test func nestingPastTheLimitIsRefusedWithoutRecursion() throws {
        let limit = YAMLComposer.nestingLimit
        let atLimit = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try YAMLComposer.compose(atLimit) != nil)
        let pastLimit = "a:\n  b: " + String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: YAMLError(.tooDeep, problem: "lists and mappings nested deeper than 256 levels", line: 2)) {
            try YAMLComposer.compose(pastLimit)
        }
        // libyaml may stop first, at its own limit; either way it is an error, not a crash.
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(throws: YAMLError.self) { try YAMLComposer.compose(deep) }
    }

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
