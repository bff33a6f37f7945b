// ragsync — ConnectionString: shows a DATABASE_URL without its password.

/// Helpers for connection strings that must never be printed with their secrets.
public enum ConnectionString {
    /// The URL or `key=value` string with any password replaced by `***`.
    ///
    /// `postgresql://user:secret@host:5432/db?sslmode=require` → `postgresql://user:***@host:5432/db?sslmode=require`;
    /// `host=h password=secret` → `host=h password=***`; a `password=` query parameter is masked too.
    public static func redacted(_ url: String) -> String {
        var text = url
        if let schemeEnd = text.firstRange(of: "://") {
            let authorityStart = schemeEnd.upperBound
            let rest = text[authorityStart...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? text.endIndex
            let authority = text[authorityStart..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        return maskingKeyword("password", in: text)
    }

    private static func maskingKeyword(_ keyword: String, in text: String) -> String {
        var result = ""
        var remainder = Substring(text)
        while let range = remainder.firstRange(of: keyword + "=") {
            result += remainder[..<range.upperBound]
            result += "***"
            let valueRest = remainder[range.upperBound...]
            let end = valueRest.firstIndex(where: { $0 == "&" || $0 == " " }) ?? valueRest.endIndex
            remainder = valueRest[end...]
        }
        result += remainder
        return result
    }
}
