// ragsync — ParsedDocument: a markdown file's metadata and blocks, ready for chunking.

public import Markdown

/// A markdown file after frontmatter extraction and markdown parsing.
public struct ParsedDocument: Sendable, Equatable {
    /// The file's path relative to the watched folder, e.g. "projects/ragsync.md".
    public var path: String
    /// The frontmatter `title`, else the first heading, else the file name without extension.
    public var title: String
    /// The frontmatter `category`, if it is a scalar.
    public var category: String?
    /// The frontmatter `tags` (a list, or a comma-separated string), trimmed, empty and duplicate tags removed.
    public var tags: [String]
    /// Every other frontmatter key, converted to JSON.
    public var extraMetadata: [String: JSONValue]
    /// The markdown body's blocks.
    public var blocks: [MarkdownBlock]
    /// Problems that did not stop indexing, e.g. "frontmatter `tags` is a mapping; ignored".
    public var warnings: [String]

    /// Creates a document.
    /// - Parameters:
    ///   - path: Relative path of the file.
    ///   - title: Display title.
    ///   - category: Frontmatter category.
    ///   - tags: Frontmatter tags.
    ///   - extraMetadata: Other frontmatter keys.
    ///   - blocks: The markdown blocks.
    ///   - warnings: Non-fatal problems.
    public init(
        path: String,
        title: String,
        category: String? = nil,
        tags: [String] = [],
        extraMetadata: [String: JSONValue] = [:],
        blocks: [MarkdownBlock],
        warnings: [String] = []
    ) {
        self.path = path
        self.title = title
        self.category = category
        self.tags = tags
        self.extraMetadata = extraMetadata
        self.blocks = blocks
        self.warnings = warnings
    }

    /// All frontmatter metadata as one JSON object (category, tags and the extra keys),
    /// suitable for the `metadata_json` column.
    public var metadataJSON: JSONValue {
        var object = extraMetadata
        if let category { object["category"] = .string(category) }
        object["tags"] = .array(tags.map(JSONValue.string))
        return .object(object)
    }
}
