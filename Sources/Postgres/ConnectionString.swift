// ragsync — ConnectionString: shows a DATABASE_URL without its password.

/// Helpers for connection strings that must never be printed with their secrets.
public enum ConnectionString {
    /// The URL or `key=value` string with any password replaced by `***`.
    ///
    /// `postgresql://user:secret@host:5432/db?sslmode=require` → `postgresql://user:***@host:5432/db?sslmode=require`;
    /// `host=h password=secret` → `host=h password=***`; a `password=` query parameter is masked too.
    public static func redacted(_ url: String) -> String {
        var text = url
        if let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") {
            let authorityStart = text.index(colon, offsetBy: 3)
            let rest = text[authorityStart...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? text.endIndex
            let authority = text[authorityStart..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        return maskingKeyword("password", in: text)
    }

    /// Masks the value after every `keyword=`. Each `=` is looked at in turn, here and for the scheme above, rather
    /// than calling `firstRange(of:)`: its searchers live in _StringProcessing, which every daemon would load for
    /// these searches at start and keep resident (0.3 MB of an idle daemon's code with the other two such calls).
    private static func maskingKeyword(_ keyword: String, in text: String) -> String {
        var result = ""
        var remainder = Substring(text)
        var searchFrom = remainder.startIndex
        while let equals = remainder[searchFrom...].firstIndex(of: "=") {
            let valueStart = remainder.index(after: equals)
            guard remainder[..<equals].hasSuffix(keyword) else {
                searchFrom = valueStart
                continue
            }
            result += remainder[..<valueStart]
            result += "***"
            let valueRest = remainder[valueStart...]
            let end = valueRest.firstIndex(where: { $0 == "&" || $0 == " " }) ?? valueRest.endIndex
            remainder = valueRest[end...]
            searchFrom = remainder.startIndex
        }
        result += remainder
        return result
    }
}
