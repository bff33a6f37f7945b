// ragsync — DocumentParser: file bytes → ParsedDocument (validation, frontmatter, markdown, title).

import Markdown

/// Turns a markdown file's bytes into a ``ParsedDocument``.
///
/// Pure: the caller reads the file; this only interprets bytes, so it is easy to test and safe to run
/// on any thread.
public struct DocumentParser: Sendable {
    /// Creates a parser.
    public init() {}

    /// Parses one file.
    ///
    /// Steps: reject NUL bytes and ill-formed UTF-8 (PostgreSQL `text` cannot hold them), drop a UTF-8
    /// byte-order mark, split off YAML frontmatter, parse the rest as markdown, and choose the title
    /// (frontmatter `title`, else the first heading, else the file name; within ``HeadingLimit``).
    /// - Parameters:
    ///   - bytes: The file's raw content.
    ///   - path: The file's path relative to the watched folder, e.g. "projects/ragsync.md".
    /// - Returns: The document; an empty file gives a document without blocks.
    /// - Throws: ``DocumentParseError`` naming the byte offset or line of the problem.
    public func parse(_ bytes: [UInt8], path: String) throws(DocumentParseError) -> ParsedDocument {
        switch UTF8Validation.firstProblem(in: bytes) {
        case .nulByte(let offset)?:
            throw encodingError(.nulByte, "NUL byte", "the file looks binary", at: offset, in: bytes, path: path)
        case .invalidUTF8(let offset)?:
            throw encodingError(.invalidUTF8, "invalid UTF-8", "save the file as UTF-8", at: offset, in: bytes, path: path)
        case nil:
            break
        }
        let hasBOM = bytes.starts(with: [0xEF, 0xBB, 0xBF])
        let split = FrontmatterSplit(bytes[(hasBOM ? 3 : 0)...])

        var frontmatter = Frontmatter()
        if let yaml = split.yaml {
            frontmatter = try Frontmatter(yaml: yaml, firstLine: split.yamlFirstLine, path: path)
        } else if split.isUnclosed {
            frontmatter.warnings.append("the `---` on line 1 opens frontmatter that is never closed; read as markdown")
        }
        var warnings = frontmatter.warnings
        let blocks: [MarkdownBlock]
        let firstHeading: String?
        if let document = MarkdownDocument(parsing: split.body, blockLimit: MarkdownDocument.blockLimit) {
            blocks = document.blocks
            firstHeading = Self.firstHeading(in: blocks)
        } else {
            // Millions of tiny blocks (a generated file, a paste) would take hundreds of megabytes as values.
            blocks = PlainTextParagraphs.cut(split.body).map(MarkdownBlock.paragraph)
            firstHeading = nil
            warnings.append(
                "more than \(MarkdownDocument.blockLimit) markdown blocks (paragraphs, headings, list items, table "
                    + "rows); its text is indexed as plain text, without headings or lists")
        }
        let title = frontmatter.title ?? firstHeading ?? Self.title(fromPath: path)
        return ParsedDocument(
            path: path,
            title: HeadingLimit.split(title).kept,
            category: frontmatter.category,
            tags: frontmatter.tags,
            extraMetadata: frontmatter.extraMetadata,
            blocks: blocks,
            warnings: warnings
        )
    }

    private static func firstHeading(in blocks: [MarkdownBlock]) -> String? {
        for case .heading(_, let text) in blocks where !text.isEmpty {
            return text
        }
        return nil
    }

    /// "notes/my-first_post.md" → "my first post".
    static func title(fromPath path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var stem = Substring(name)
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex {
            stem = stem[..<dot]
        }
        let words = stem.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == " " })
        let title = words.joined(separator: " ")
        return title.isEmpty ? name : title
    }
}

extension DocumentParser {
    /// An error for bytes that cannot be text, naming the offset and line.
    private func encodingError(
        _ code: DocumentParseError.Code, _ problem: String, _ advice: String, at offset: Int, in bytes: [UInt8],
        path: String
    ) -> DocumentParseError {
        let line = UTF8Validation.line(ofByte: offset, in: bytes)
        return DocumentParseError(
            code, "\(problem) at byte offset \(offset) (line \(line)); \(advice)", path: path, byteOffset: offset,
            line: line)
    }
}
