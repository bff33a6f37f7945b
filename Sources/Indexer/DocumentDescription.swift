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
        guard !text.isEmpty, !body.containsCharacters(of: text) else { return contextLine }
        return contextLine + "\n" + text
    }
}

extension String {
    /// True when `needle` occurs in this string as a run of whole characters, as `firstRange(of:)` finds it.
    ///
    /// The bytes are searched first: `firstRange(of:)` compares character by character, and was 6% of a cold
    /// index's CPU here (Foundation's `contains`, reachable through Yams' import, was 2.5% more). A byte match that
    /// starts and ends on character boundaries is a character match. Between ASCII texts nothing else is (their only
    /// multi-byte character is CR LF, which the boundary check covers); other texts may match by canonical
    /// equivalence alone (`é` composed and decomposed), so they are searched by character when the bytes found none.
    func containsCharacters(of needle: String) -> Bool {
        var haystack = self
        var needle = needle
        haystack.makeContiguousUTF8()
        needle.makeContiguousUTF8()
        let byteMatch: Bool? = haystack.utf8.withContiguousStorageIfAvailable { hay in
            needle.utf8.withContiguousStorageIfAvailable { pattern in
                guard let first = pattern.first else { return true }
                guard hay.count >= pattern.count else { return false }
                for offset in 0...(hay.count - pattern.count) where hay[offset] == first {
                    guard hay[offset..<offset + pattern.count].elementsEqual(pattern) else { continue }
                    let start = haystack.utf8.index(haystack.utf8.startIndex, offsetBy: offset)
                    let end = haystack.utf8.index(start, offsetBy: pattern.count)
                    if String.Index(start, within: haystack) != nil, String.Index(end, within: haystack) != nil {
                        return true
                    }
                }
                return false
            } ?? nil
        } ?? nil
        if byteMatch == true { return true }
        if byteMatch == false, haystack.utf8.allSatisfy({ $0 < 0x80 }), needle.utf8.allSatisfy({ $0 < 0x80 }) {
            return false
        }
        // `hasPrefix` compares characters as `firstRange(of:)` does, without loading _StringProcessing's searchers
        // into every daemon (see ConnectionString.redacted).
        var start = haystack.startIndex
        while start < haystack.endIndex {
            if haystack[start...].hasPrefix(needle) { return true }
            start = haystack.index(after: start)
        }
        return false
    }
}
