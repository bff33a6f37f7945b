// ragsync — YAMLNode: one node of a composed YAML document.

/// A node of a YAML document as ``YAMLComposer`` builds it from libyaml's events: aliases are replaced by the node
/// their anchor names, and tags are kept as written (nil when none was), not resolved.
///
/// Two nodes are equal as mapping keys are: same kind, same text or members, and the same tag once an unwritten one is
/// taken as `!!str`, `!!seq` or `!!map` (and `!` as `!!str`). Lines and styles do not count.
public enum YAMLNode: Sendable, Hashable {
    case scalar(Scalar)
    case sequence(Sequence)
    case mapping(Mapping)

    public struct Scalar: Sendable, Hashable {
        /// How the scalar was written; only a plain scalar has an implicit type (`12`, `yes`, `~`).
        public enum Style: Sendable {
            case plain, singleQuoted, doubleQuoted, literal, folded
        }

        public var text: String
        public var tag: YAMLTag?
        public var style: Style
        /// The 1-based line on which the scalar starts.
        public var line: Int

        public init(text: String, tag: YAMLTag? = nil, style: Style = .plain, line: Int = 1) {
            self.text = text
            self.tag = tag
            self.style = style
            self.line = line
        }

        /// The tag compared: none written and `!` both mean `!!str`.
        var comparedTag: YAMLTag {
            guard let tag, tag != .nonSpecific else { return .str }
            return tag
        }

        public static func == (lhs: Scalar, rhs: Scalar) -> Bool {
            lhs.text == rhs.text && lhs.comparedTag == rhs.comparedTag
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(text)
            hasher.combine(comparedTag)
        }
    }

    public struct Sequence: Sendable, Hashable {
        public var nodes: [YAMLNode]
        public var tag: YAMLTag?
        public var line: Int

        public init(nodes: [YAMLNode], tag: YAMLTag? = nil, line: Int = 1) {
            self.nodes = nodes
            self.tag = tag
            self.line = line
        }

        public static func == (lhs: Sequence, rhs: Sequence) -> Bool {
            lhs.nodes == rhs.nodes && (lhs.tag ?? .seq) == (rhs.tag ?? .seq)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(nodes)
            hasher.combine(tag ?? .seq)
        }
    }

    public struct Mapping: Sendable, Hashable {
        /// The entries in the order written; keys are unique (``YAMLComposer`` refuses duplicates).
        public var pairs: [Pair]
        public var tag: YAMLTag?
        public var line: Int

        public struct Pair: Sendable, Hashable {
            public var key: YAMLNode
            public var value: YAMLNode

            public init(key: YAMLNode, value: YAMLNode) {
                self.key = key
                self.value = value
            }
        }

        public init(pairs: [Pair], tag: YAMLTag? = nil, line: Int = 1) {
            self.pairs = pairs
            self.tag = tag
            self.line = line
        }

        public static func == (lhs: Mapping, rhs: Mapping) -> Bool {
            lhs.pairs == rhs.pairs && (lhs.tag ?? .map) == (rhs.tag ?? .map)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(pairs)
            hasher.combine(tag ?? .map)
        }
    }

    public var isScalar: Bool {
        if case .scalar = self { return true }
        return false
    }

    /// The 1-based line on which the node starts.
    public var line: Int {
        switch self {
        case .scalar(let scalar): return scalar.line
        case .sequence(let sequence): return sequence.line
        case .mapping(let mapping): return mapping.line
        }
    }
}
