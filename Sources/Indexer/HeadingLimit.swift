// ragsync — HeadingLimit: how much of a heading or title goes into every chunk's path and title.

/// Caps the headings and titles that every chunk of a section or document repeats.
///
/// A chunk carries its heading path in `metadata_json` and its full text, and its document's title in
/// `document_title` and the full text: a 64 KB first heading over 1,274 chunks took PostgreSQL 9 s of `to_tsvector`
/// and ragsync 110 MB. Real headings are a line; a longer one keeps its first ``byteLimit`` bytes there, and a
/// heading's rest is indexed as its section's text.
enum HeadingLimit {
    /// The most UTF-8 bytes of a heading or title repeated per chunk.
    static let byteLimit = 1024

    /// `text` cut after the last space within ``byteLimit`` bytes (at the limit when there is none), and the rest;
    /// `text` and "" when it is within the limit.
    static func split(_ text: String) -> (kept: String, rest: String) {
        guard text.utf8.count > byteLimit else { return (text, "") }
        var bytes = 0
        var end = text.startIndex
        for character in text {
            bytes += character.utf8.count
            if bytes > byteLimit { break }
            end = text.index(after: end)
        }
        if let space = text[..<end].lastIndex(of: " "), space > text.startIndex { end = space }
        return (String(text[..<end]).trimmingWhitespace(), String(text[end...]).trimmingWhitespace())
    }
}
