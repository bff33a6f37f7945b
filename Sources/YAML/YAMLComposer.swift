// ragsync — YAMLComposer: builds the node tree of a one-document YAML text from libyaml's events.

/// Composes a YAML text of at most one document into a ``YAMLNode`` tree, as Yams' `compose` did: anchors are
/// resolved to the node they name (an alias shares the node, it is not copied), a mapping that names a key twice is an
/// error, and so is a second document.
///
/// The tree is built with an explicit stack rather than by recursion, and nesting deeper than ``nestingLimit`` is an
/// error: a 256 KB frontmatter of `[` would otherwise give a tree 262,144 levels deep, and whatever walks it
/// recursively afterwards (the conversion to JSON) would overflow a thread's stack.
public enum YAMLComposer {
    /// The deepest nesting of sequences and mappings accepted.
    public static let nestingLimit = 256

    /// The root node of `text`'s document, or nil when the text holds no document (empty, or only comments).
    /// - Throws: ``YAMLError``.
    public static func compose(_ text: String) throws(YAMLError) -> YAMLNode? {
        let parser = try YAMLEventParser(text: text)
        var tree = Tree()
        while true {
            switch try parser.next() {
            case .streamStart, .documentEnd:
                continue
            case .streamEnd:
                return tree.root
            case .documentStart(let line):
                if tree.documents == 1 {
                    throw YAMLError(
                        .composer, problem: "but found another document",
                        context: "expected a single document in the stream", line: line)
                }
                tree.documents += 1
            case .alias(let anchor, let line):
                guard let node = tree.anchors[anchor] else {
                    throw YAMLError(.composer, problem: "found undefined alias", line: line)
                }
                tree.add(node)
            case .scalar(let scalar, let anchor):
                tree.add(.scalar(scalar), anchor: anchor)
            case .sequenceStart(let tag, let anchor, let line):
                try tree.open(mapping: false, tag: tag, anchor: anchor, line: line)
            case .mappingStart(let tag, let anchor, let line):
                try tree.open(mapping: true, tag: tag, anchor: anchor, line: line)
            case .sequenceEnd, .mappingEnd:
                try tree.close()
            }
        }
    }
}

/// The collections being built, innermost last, and the anchors seen so far.
private struct Tree {
    /// A sequence or mapping whose end event has not come yet; its members are added in place.
    struct OpenCollection {
        var isMapping: Bool
        var tag: YAMLTag?
        var line: Int
        var anchor: String?
        var nodes: [YAMLNode] = []
        var pairs: [YAMLNode.Mapping.Pair] = []
        /// A mapping's key waiting for its value.
        var pendingKey: YAMLNode?
    }

    var stack: [OpenCollection] = []
    var anchors: [String: YAMLNode] = [:]
    var root: YAMLNode?
    var documents = 0

    mutating func open(mapping isMapping: Bool, tag: YAMLTag?, anchor: String?, line: Int) throws(YAMLError) {
        guard stack.count < YAMLComposer.nestingLimit else {
            let problem = "lists and mappings nested deeper than \(YAMLComposer.nestingLimit) levels"
            throw YAMLError(.tooDeep, problem: problem, line: line)
        }
        stack.append(OpenCollection(isMapping: isMapping, tag: tag, line: line, anchor: anchor))
    }

    /// Finishes the innermost collection and adds it to its parent.
    mutating func close() throws(YAMLError) {
        guard let finished = stack.popLast() else { return }
        let node: YAMLNode
        if finished.isMapping {
            let mapping = YAMLNode.Mapping(pairs: finished.pairs, tag: finished.tag, line: finished.line)
            try Self.checkUniqueKeys(of: mapping)
            node = .mapping(mapping)
        } else {
            node = .sequence(YAMLNode.Sequence(nodes: finished.nodes, tag: finished.tag, line: finished.line))
        }
        add(node, anchor: finished.anchor)
    }

    /// Adds a finished node to the innermost open collection, or makes it the root.
    mutating func add(_ node: YAMLNode, anchor: String? = nil) {
        // An anchor may be defined again further on; later aliases name the latest.
        if let anchor { anchors[anchor] = node }
        let innermost = stack.count - 1
        guard innermost >= 0 else {
            root = node
            return
        }
        if !stack[innermost].isMapping {
            stack[innermost].nodes.append(node)
        } else if let key = stack[innermost].pendingKey {
            stack[innermost].pairs.append(YAMLNode.Mapping.Pair(key: key, value: node))
            stack[innermost].pendingKey = nil
        } else {
            stack[innermost].pendingKey = node
        }
    }

    /// Refuses a mapping that names a key twice, naming the duplicates in order and the line of the first.
    ///
    /// Only scalar keys are compared. A list or mapping as a key may be an alias of a tree of millions of shared nodes
    /// (a "billion laughs"), which hashing would walk node by node; ragsync ignores such keys anyway.
    private static func checkUniqueKeys(of mapping: YAMLNode.Mapping) throws(YAMLError) {
        var seen: Set<YAMLNode> = []
        var duplicates: [YAMLNode] = []
        for pair in mapping.pairs where pair.key.isScalar && !seen.insert(pair.key).inserted {
            if !duplicates.contains(pair.key) { duplicates.append(pair.key) }
        }
        guard !duplicates.isEmpty else { return }
        let sorted = duplicates.sorted { name(of: $0) < name(of: $1) }
        // The line of the first duplicate by name, where it first appears.
        let firstLine = sorted.first.flatMap { first in mapping.pairs.first { $0.key == first }?.key.line }
        let names = sorted.map(Self.name(of:))
        throw YAMLError(
            .duplicateKeys, problem: "duplicate key(s) " + names.map { "'\($0)'" }.joined(separator: ", "),
            line: firstLine)
    }

    private static func name(of key: YAMLNode) -> String {
        switch key {
        case .scalar(let scalar): return scalar.text
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
