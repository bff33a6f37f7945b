// ragsync — YAMLComposerTests: libyaml's events composed into node trees, as Yams composed them.

import RagsyncTestSupport
import Testing
import YAML

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
}
