// ragsync — DocumentDescription: the one line that tells every chunk which document it belongs to.

/// A short description of the document, repeated under the context line of every chunk's embedded text, so a chunk
/// from the middle of a page still says what the page is about.
///
/// It is the frontmatter `description` or `summary`; without either, the lead paragraph of a short document (see
/// ``Chunker/leadParagraphDocumentTargets``). It is cut to a token budget at a word boundary, on one line.
struct DocumentDescription {
    /// The description, or "" when the document has none or the budget is 0.
    let text: String

    init(of document: ParsedDocument, limit: Int, leadParagraphUpTo: Int, documentTokens: Int, counter: any TokenCounting) {
        guard limit > 0 else {
            text = ""
            return
        }
        var source: String?
        for key in ["description", "summary"] {
            if case .string(let value)? = document.extraMetadata[key], !value.isEmpty {
                source = value
                break
            }
        }
        if source == nil, documentTokens <= leadParagraphUpTo {
            for block in document.blocks {
                if case .paragraph(let paragraph) = block, !paragraph.isEmpty {
                    source = paragraph
                    break
                }
            }
        }
        // Cut to a generous number of characters first, so a huge description costs no more than a short one.
        text = source.map {
            TextSplitting.leadingWords(of: String($0.prefix(limit * 16)).replacingNewlines(), within: limit, counter: counter)
        } ?? ""
    }

    /// The header of a chunk's embedded text: the context line, then the description unless the body already
    /// holds it (the chunk that starts with the lead paragraph).
    func header(contextLine: String, body: String) -> String {
        // `firstRange(of:)` is the standard library's; `contains` on strings would be Foundation's `range(of:)`
        // (2.5% of a cold index's CPU, in CoreFoundation's string search), reachable through Yams' import.
        guard !text.isEmpty, body.firstRange(of: text) == nil else { return contextLine }
        return contextLine + "\n" + text
    }
}
