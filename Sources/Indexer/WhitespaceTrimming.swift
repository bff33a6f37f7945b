// ragsync — WhitespaceTrimming: trimming white space without Foundation.

extension StringProtocol {
    /// The text without the white space and line breaks (Unicode White_Space) at either end: what Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` returns, without bridging the text to `NSString` (which
    /// loads CoreFoundation's string and character-set code into every process that trims).
    public func trimmingWhitespace() -> String {
        trimming { $0.properties.isWhitespace }
    }

    /// The text without spaces and tabs at either end, line breaks kept: Foundation's
    /// `trimmingCharacters(in: .whitespaces)` (general category Zs, and U+0009).
    public func trimmingSpaces() -> String {
        trimming { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// The text without the Unicode scalars at either end for which `isTrimmed` holds.
    public func trimming(where isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
            let last = scalars.lastIndex(where: { !isTrimmed($0) })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
