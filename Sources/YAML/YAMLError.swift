// ragsync — YAMLError: why a YAML text could not be composed, with libyaml's own words.

/// A YAML text libyaml could not read or parse, or that ``YAMLComposer`` could not build a node tree from.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The bytes are not acceptable YAML input (control characters, say).
        case reader
        case scanner
        case parser
        /// An alias without its anchor, or a second document.
        case composer
        /// Sequences and mappings nested deeper than ``YAMLComposer/nestingLimit``.
        case tooDeep
        /// A mapping names a key twice.
        case duplicateKeys
        /// libyaml could not allocate memory.
        case memory
    }

    public var kind: Kind
    /// What is wrong, such as libyaml's "mapping values are not allowed in this context".
    public var problem: String
    /// What libyaml was reading when it met the problem ("while scanning a simple key"), when it says.
    public var context: String?
    /// The 1-based line of the problem, when known.
    public var line: Int?

    public init(_ kind: Kind, problem: String, context: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.problem = problem
        self.context = context
        self.line = line
    }

    /// The context and the problem, as one phrase.
    public var description: String {
        [context, problem].compactMap { $0 }.joined(separator: " ")
    }
}
