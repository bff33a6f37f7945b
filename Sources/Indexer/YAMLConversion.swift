// ragsync — YAMLConversion: turns a composed YAML node tree into JSONValue and plain strings.

import FoundationEssentials
import YAML

/// Converts YAML nodes to ``JSONValue`` with YAML's core schema, and flags values JSON/PostgreSQL cannot hold.
///
/// Scalars are typed as Yams' default resolver types them (so plain `yes`, `12`, `2024-05-01` become a bool, an int
/// and a date; ``YAMLPlainScalar`` decides it without regular expressions) but quoted scalars stay strings.
/// Dates become ISO-8601 text, binary and unknown tags their text.
/// NUL characters (possible through a `"\0"` escape) are replaced by U+FFFD, since PostgreSQL text and JSONB
/// reject them. The conversion counts values and stops at ``valueLimit`` so that alias expansion
/// ("billion laughs") cannot make it run away.
struct YAMLConversion {
    /// Most values converted from one frontmatter block.
    static let valueLimit = 10_000

    /// Problems that did not stop the conversion.
    private(set) var warnings: [String] = []
    private var convertedValues = 0

    /// Thrown when the frontmatter holds more than ``valueLimit`` values.
    struct TooManyValues: Error {}

    /// The resolved YAML tag of a scalar: explicit tags win, quoted and block scalars are strings.
    static func resolvedTag(of scalar: YAMLNode.Scalar) -> YAMLTag {
        if let explicit = scalar.tag { return explicit == .nonSpecific ? .str : explicit }
        return scalar.style == .plain ? YAMLPlainScalar.tag(of: scalar.text) : .str
    }

    /// A scalar's text for a text field (title, category, tag), or `nil` for a YAML null.
    static func text(of scalar: YAMLNode.Scalar) -> String? {
        if resolvedTag(of: scalar) == .null { return nil }
        let text = clean(scalar.text).trimmingWhitespace()
        return text.isEmpty ? nil : text
    }

    /// Replaces NUL characters, which PostgreSQL cannot store.
    static func clean(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }

    /// Converts any node to JSON.
    /// - Parameters:
    ///   - node: The YAML node.
    ///   - keyPath: Where the node is, for warnings (e.g. "links.0").
    /// - Throws: ``TooManyValues`` past ``valueLimit``.
    mutating func json(from node: YAMLNode, at keyPath: String) throws(TooManyValues) -> JSONValue {
        convertedValues += 1
        guard convertedValues <= Self.valueLimit else { throw TooManyValues() }
        switch node {
        case .scalar(let scalar):
            return Self.json(from: scalar)
        case .sequence(let sequence):
            var values: [JSONValue] = []
            values.reserveCapacity(sequence.nodes.count)
            for (position, element) in sequence.nodes.enumerated() {
                values.append(try json(from: element, at: "\(keyPath).\(position)"))
            }
            return .array(values)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for pair in mapping.pairs {
                guard case .scalar(let keyScalar) = pair.key else {
                    warnings.append("frontmatter `\(keyPath)` has a key that is not text; that entry is ignored")
                    continue
                }
                let name = Self.clean(keyScalar.text)
                members[name] = try json(from: pair.value, at: "\(keyPath).\(name)")
            }
            return .object(members)
        }
    }

    private static func json(from scalar: YAMLNode.Scalar) -> JSONValue {
        // Numbers are read from plain scalars only, as Yams did: `!!int "12"` stays text.
        let isPlain = scalar.style == .plain
        switch resolvedTag(of: scalar) {
        case .null:
            return .null
        case .bool:
            return YAMLPlainScalar.bool(scalar.text).map(JSONValue.bool) ?? .string(clean(scalar.text))
        case .int:
            let value = isPlain ? YAMLPlainScalar.int(scalar.text) : nil
            return value.map(JSONValue.int) ?? .string(clean(scalar.text))
        case .float:
            if isPlain, let value = YAMLPlainScalar.float(scalar.text), value.isFinite { return .double(value) }
            return .string(clean(scalar.text))
        case .timestamp:
            // A date without a time stays as written ("2024-05-01"); a date-time is normalised to UTC.
            if scalar.text.utf8.count > 10, let date = YAMLPlainScalar.timestamp(scalar.text) {
                return .string(date.formatted(Date.ISO8601FormatStyle()))
            }
            return .string(clean(scalar.text))
        default:
            return .string(clean(scalar.text))
        }
    }
}
