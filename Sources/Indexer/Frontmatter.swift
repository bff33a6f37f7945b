// ragsync — Frontmatter: the fields ragsync reads from a markdown file's YAML header.

import Yams

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

    /// The largest frontmatter parsed. Yams' node tree takes about 70 bytes per byte of YAML (a 4.3 MB block of
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
        let root: Node?
        do {
            // Yams' basic resolver: the tags of values are resolved by YAMLConversion, without regular expressions.
            // UTF-8 is what Yams' default encoding resolves to for native strings, but the default copies the whole
            // environment per call to look for YAMS_DEFAULT_ENCODING (4% of a cold index's CPU), and prints to
            // standard output when it finds it.
            root = try Yams.compose(yaml: yaml, .basic, .default, .utf8)
        } catch {
            throw Self.malformed(error, firstLine: firstLine, path: path)
        }
        guard let root else { return }
        guard case .mapping(let mapping) = root else {
            if case .scalar(let scalar) = root, YAMLConversion.resolvedTag(of: scalar) == .null { return }
            let line = root.mark.map { $0.line + firstLine - 1 } ?? firstLine
            throw DocumentParseError(
                .frontmatterNotMapping,
                "frontmatter must be a mapping of keys to values, found \(Self.kind(of: root)) (line \(line))",
                path: path,
                line: line
            )
        }
        var converter = YAMLConversion()
        do {
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    warnings.append("frontmatter has a key that is not text; that entry is ignored")
                    continue
                }
                let name = YAMLConversion.clean(keyScalar.string)
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

    private mutating func textField(_ node: Node, named name: String) -> String? {
        guard case .scalar(let scalar) = node else {
            warnings.append("frontmatter `\(name)` is \(Self.kind(of: node)), expected text; ignored")
            return nil
        }
        return YAMLConversion.text(of: scalar)
    }

    private mutating func tagsField(_ node: Node) -> [String] {
        var collected: [String] = []
        switch node {
        case .scalar(let scalar):
            guard let text = YAMLConversion.text(of: scalar) else { return [] }
            collected = text.split(separator: ",").map { $0.trimmingWhitespace() }
        case .sequence(let sequence):
            for element in sequence {
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

    private static func kind(of node: Node) -> String {
        switch node {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    private static func malformed(_ error: any Error, firstLine: Int, path: String) -> DocumentParseError {
        var detail = "\(error)"
        var yamlLine: Int?
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(let context, let problem, let mark, _),
                .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                detail = [context?.text, problem].compactMap { $0 }.joined(separator: " ")
                yamlLine = mark.line
            case .reader(let problem, _, _, _):
                detail = problem
            case .duplicatedKeysInMapping(let duplicates, let context):
                detail = "duplicate key(s) " + duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
                yamlLine = context.mark.line
            default:
                break
            }
        }
        let line = yamlLine.map { $0 + firstLine - 1 }
        let location = line.map { " (line \($0))" } ?? ""
        return DocumentParseError(
            .malformedFrontmatter,
            "frontmatter is not valid YAML: \(detail)\(location)",
            path: path,
            line: line
        )
    }
}
