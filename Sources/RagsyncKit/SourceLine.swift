// ragsync — SourceLine: one source as `ragsync sources` and `ragsync status` print it.

public import IndexStore

/// One line of `ragsync sources`.
public struct SourceLine: Sendable {
    public let text: String

    public init(_ source: SourceSummary, current: String) {
        let name = source.name ?? "(no source yet: adopted by the next full pass)"
        var text = "\(name): \(source.documents) document(s), \(source.chunks) chunk(s)"
        if let host = source.host, let folder = source.contentDirectory { text += ", \(host) \(folder)" }
        if let lastSeen = source.lastSeen { text += ", last full pass \(lastSeen)" }
        if source.name == current { text += " (this one)" }
        self.text = text
    }
}
