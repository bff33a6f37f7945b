// ragsync — HTTPWhitespace: trimming the spaces and tabs around header values and body snippets.

extension StringProtocol {
    /// The text without spaces and tabs at either end: HTTP's optional white space around a field value (RFC 9110
    /// §5.6.3), trimmed without Foundation, which the embedding client does not load.
    func trimmingHTTPWhitespace() -> String {
        let scalars = unicodeScalars
        let isBlank: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = scalars.firstIndex(where: { !isBlank($0) }),
            let last = scalars.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
