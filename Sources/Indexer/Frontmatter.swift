// ragsync — Frontmatter: the fields ragsync reads from a markdown file's YAML header.

import YAML

/// The YAML frontmatter of a markdown file, reduced to the fields the index uses.
///
/// Malformed YAML, or YAML that is not a mapping, is an error: the author meant to write metadata and
/// should be told. A known field with an unexpected type (say `title` written as a mapping) only produces
/// a warning, so that one odd field does not keep the whole document out of the index.
public struct Frontmatter: Sendable, Equatable {
    /// `title`: any scalar, as text.
    public var title: String?
    /// `category`: any scalar, as text.
    public var category: String?
    /// `tags`: a list of scalars, or one comma-separated string; trimmed, empty and duplicate tags dropped.
    public var tags: [String] = []
    /// Every key other than `title`, `category` and `tags`.
    public var extraMetadata: [String: JSONValue] = [:]
    /// Problems that did not stop parsing.
    public var warnings: [String] = []

    /// Empty frontmatter, for files without one.
    public init() {}

    /// The largest frontmatter parsed. A node tree takes tens of bytes per byte of YAML (with Yams, a 4.3 MB block of
    /// 400,000 keys took 330 MB before the value limit turned it down), so a larger block is refused unread.
    public static let byteLimit = 256 * 1024

    /// Parses frontmatter YAML.
    /// - Parameters:
    ///   - yaml: The text between the `---` delimiters.
    ///   - firstLine: The 1-based file line on which `yaml` starts, so errors name file lines.
    ///   - path: The file's relative path, for errors.
    /// - Throws: ``DocumentParseError`` with code `.malformedFrontmatter`, `.frontmatterNotMapping`
    ///   or `.frontmatterTooLarge` (more than ``byteLimit`` bytes or ``YAMLConversion/valueLimit`` values).
    public init(yaml: String, firstLine: Int = 2, path: String) throws(DocumentParseError) {
        guard yaml.utf8.count <= Self.byteLimit else {
            throw DocumentParseError(
                .frontmatterTooLarge,
                "frontmatter is \(yaml.utf8.count / 1024) KB, more than the \(Self.byteLimit / 1024) KB ragsync reads "
                    + "(line \(firstLine)); keep title, category, tags and short values there "
                    + "and move long data into the body",
                path: path,
                line: firstLine
            )
        }
        let root: YAMLNode?
        do {
            // The tags of values are resolved by YAMLConversion.
            root = try YAMLComposer.compose(yaml)
        } catch {
            throw Self.malformed(error, firstLine: firstLine, path: path)
        }
        guard let root else { return }
        guard case .mapping(let mapping) = root else {
            if case .scalar(let scalar) = root, YAMLConversion.resolvedTag(of: scalar) == .null { return }
            let line = root.line + firstLine - 1
            throw DocumentParseError(
                .frontmatterNotMapping,
                "frontmatter must be a mapping of keys to values, found \(Self.kind(of: root)) (line \(line))",
                path: path,
                line: line
            )
        }
        var converter = YAMLConversion()
        do {
            for pair in mapping.pairs {
                let value = pair.value
                guard case .scalar(let keyScalar) = pair.key else {
                    warnings.append("frontmatter has a key that is not text; that entry is ignored")
                    continue
                }
                let name = YAMLConversion.clean(keyScalar.text)
                switch name {
                case "title": title = textField(value, named: name)
                case "category": category = textField(value, named: name)
                case "tags": tags = tagsField(value)
                default: extraMetadata[name] = try converter.json(from: value, at: name)
                }
            }
        } catch {
            throw DocumentParseError(
                .frontmatterTooLarge,
                "frontmatter has more than \(YAMLConversion.valueLimit) values (line \(firstLine))",
                path: path,
                line: firstLine
            )
        }
        warnings += converter.warnings
    }

    private mutating func textField(_ node: YAMLNode, named name: String) -> String? {
        guard case .scalar(let scalar) = node else {
            warnings.append("frontmatter `\(name)` is \(Self.kind(of: node)), expected text; ignored")
            return nil
        }
        return YAMLConversion.text(of: scalar)
    }

    private mutating func tagsField(_ node: YAMLNode) -> [String] {
        var collected: [String] = []
        switch node {
        case .scalar(let scalar):
            guard let text = YAMLConversion.text(of: scalar) else { return [] }
            collected = text.split(separator: ",").map { $0.trimmingWhitespace() }
        case .sequence(let sequence):
            for element in sequence.nodes {
                if case .scalar(let scalar) = element, let text = YAMLConversion.text(of: scalar) {
                    collected.append(text)
                } else if case .scalar = element {
                    continue
                } else {
                    warnings.append("frontmatter `tags` contains \(Self.kind(of: element)), expected text; ignored")
                }
            }
        default:
            warnings.append("frontmatter `tags` is \(Self.kind(of: node)), expected a list or text; ignored")
        }
        var seen: Set<String> = []
        return collected.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    private static func kind(of node: YAMLNode) -> String {
        switch node {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    private static func malformed(_ error: YAMLError, firstLine: Int, path: String) -> DocumentParseError {
        let line = error.line.map { $0 + firstLine - 1 }
        if error.kind == .tooDeep {
            return DocumentParseError(
                .frontmatterTooLarge,
                "frontmatter has \(error.problem) (line \(line ?? firstLine)); keep title, category, tags and short "
                    + "values there and move nested data into the body",
                path: path,
                line: line
            )
        }
        let location = line.map { " (line \($0))" } ?? ""
        return DocumentParseError(
            .malformedFrontmatter,
            "frontmatter is not valid YAML: \(error)\(location)",
            path: path,
            line: line
        )
    }
}
