// ragsync — ContentNames: which names in the content directory are documents, and which are never looked at.

/// The naming rules shared by the walk and the watcher.
///
/// Documents are `*.md` and `*.markdown` files. Hidden entries and editor or VCS temporaries (`*~`, `#*#`, `.#*`,
/// vim's `4913`) are ignored, whether files or folders.
public enum ContentNames {
    /// True for a file name ragsync indexes.
    public static func isDocument(_ name: String) -> Bool {
        guard !isIgnored(name) else { return false }
        let lower = name.lowercased()
        return lower.hasSuffix(".md") || lower.hasSuffix(".markdown")
    }

    /// True for hidden entries and editor or VCS temporaries.
    public static func isIgnored(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix("~") || (name.hasPrefix("#") && name.hasSuffix("#")) || name == "4913"
    }

    /// A name's bytes with those that are not UTF-8 escaped as `\xNN`, for messages.
    public static func display(_ bytes: [UInt8]) -> String {
        String(validating: bytes, as: UTF8.self)
            ?? bytes.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
    }
}
