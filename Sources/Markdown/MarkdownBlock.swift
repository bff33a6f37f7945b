// ragsync — MarkdownBlock: one block of a parsed markdown document, as plain Swift values.

/// One block of a markdown document, with its inline markup already flattened to plain text.
///
/// The indexer only needs readable text and the document's structure (headings, lists, code, tables),
/// so inline formatting is reduced to its text: emphasis, strong, strikethrough and code spans become
/// their text, links their link text, images their alt text, soft breaks a space, hard breaks a newline.
/// Raw HTML (blocks and inline) is dropped. Block quotes are flattened: their contents appear as
/// ordinary blocks in document order.
public enum MarkdownBlock: Sendable, Equatable {
    /// An ATX or setext heading; `level` is 1...6.
    case heading(level: Int, text: String)
    /// A paragraph's flattened inline text.
    case paragraph(String)
    /// One item of a (possibly nested) list; `depth` 0 is a top-level item.
    /// The item's paragraphs are joined with newlines; nested lists follow as their own items.
    case listItem(depth: Int, text: String)
    /// A fenced or indented code block; `language` is the first word of the fence's info string.
    case codeBlock(language: String?, code: String)
    /// A GitHub table; the first row is the header row.
    case table(rows: [[String]])
    /// A thematic break (`---`).
    case thematicBreak
}
