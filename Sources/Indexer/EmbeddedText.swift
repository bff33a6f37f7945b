// ragsync — EmbeddedText: a chunk's embedded text, given back by the database alone.

/// Rebuilds what was embedded for a chunk from what the database keeps: its stored content and its document's
/// description.
///
/// A chunk's embedded text (``DocumentChunk/text``) is its stored content (``DocumentChunk/content``: the context
/// line, a blank line, the body), either unchanged or with the document's description on a line of its own under
/// the context line. So `ragsync reembed` can embed every chunk with another model without the files, and the
/// chunk's recorded hash says which of the two texts it was.
public enum EmbeddedText {
    /// The description `chunk.text` carries beyond `chunk.content`: "" when the two are equal, nil when they do not
    /// have the shape the chunker gives them.
    public static func description(of chunk: DocumentChunk) -> String? {
        let text = Array(chunk.text.utf8)
        let content = Array(chunk.content.utf8)
        guard text != content else { return "" }
        guard let line = contextLineLength(of: content[...]),
            text.count > content.count + 1,
            text[..<line] == content[..<line], text[line] == UInt8(ascii: "\n"),
            text[(text.count - (content.count - line))...] == content[line...]
        else { return nil }
        return String(decoding: text[(line + 1)..<(text.count - (content.count - line))], as: UTF8.self)
    }

    /// The text whose SHA-256 is `hash`: `content` itself, or `content` with `description` under its context line.
    /// - Returns: nil when neither has that hash (a row changed by hand, or a description not recorded).
    public static func rebuild(content: String, description: String?, hash: String) -> String? {
        if ContentHash(of: content).hex == hash { return content }
        guard let description, !description.isEmpty else { return nil }
        let bytes = Array(content.utf8)
        guard let line = contextLineLength(of: bytes[...]) else { return nil }
        let text =
            String(decoding: bytes[..<line], as: UTF8.self) + "\n" + description
            + String(decoding: bytes[line...], as: UTF8.self)
        return ContentHash(of: text).hex == hash ? text : nil
    }

    /// Bytes before the first blank line ("\n\n"), which ends the context line.
    private static func contextLineLength(of bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "\n"), bytes[index + 1] == UInt8(ascii: "\n") { return index - bytes.startIndex }
            index += 1
        }
        return nil
    }
}
