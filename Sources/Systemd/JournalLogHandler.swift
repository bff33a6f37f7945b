// ragsync — JournalLogHandler: swift-log entries as structured journal records, or readable stderr lines.

internal import CSystemd
import FoundationEssentials
import Glibc
public import Logging

/// A swift-log back end that writes native journal entries when stderr is connected to the journal
/// (`$JOURNAL_STREAM` names fd 2's device and inode, as systemd sets it) and plain lines on stderr otherwise.
///
/// Each journal entry carries MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_FILE/CODE_LINE/CODE_FUNC and every metadata
/// key as an uppercase field (`chunks_inserted` → `CHUNKS_INSERTED`), so `journalctl -u ragsync DOCUMENT=resume.md`
/// works. A failed send (journald gone) falls back to stderr for that entry. The corresponding C function is
/// `sd_journal_sendv`.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let identifier: String
    private let useJournal: Bool

    /// - Parameters:
    ///   - label: the logger's label, sent as the `LOGGER` field.
    ///   - identifier: `SYSLOG_IDENTIFIER`, what `journalctl -t` matches.
    ///   - useJournal: nil decides from `$JOURNAL_STREAM`.
    public init(label: String, identifier: String = "ragsync", useJournal: Bool? = nil) {
        self.label = label
        self.identifier = identifier
        self.useJournal = useJournal ?? Self.isStderrConnectedToJournal()
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if useJournal, sendToJournal(event: event, metadata: merged) { return }
        writeLine(event: event, metadata: merged)
    }

    /// True when systemd connected stderr to the journal: `$JOURNAL_STREAM` is `device:inode` of fd 2.
    public static func isStderrConnectedToJournal() -> Bool {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// A metadata key as a journal field name: uppercase letters, digits and underscores, not starting with `_`
    /// or a digit, at most 64 characters; nil when nothing valid is left.
    public static func fieldName(for key: String) -> String? {
        var name = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name += scalar.properties.uppercaseMapping
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            default: name += "_"
            }
        }
        while name.first == "_" || name.first?.isNumber == true { name.removeFirst() }
        return name.isEmpty ? nil : String(name.prefix(64))
    }

    /// The syslog priority of a level.
    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    private func sendToJournal(event: LogEvent, metadata: Logger.Metadata) -> Bool {
        var fields = [
            "MESSAGE=\(event.message)", "PRIORITY=\(Self.priority(of: event.level))", "SYSLOG_IDENTIFIER=\(identifier)",
            "LOGGER=\(label)", "CODE_FILE=\(event.file)", "CODE_LINE=\(event.line)", "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in metadata {
            guard let name = Self.fieldName(for: key) else { continue }
            fields.append("\(name)=\(value)")
        }
        // All fields in one buffer, so every iovec points into memory that lives for the whole call.
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        return bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            let vectors = ranges.map { range in
                iovec(iov_base: UnsafeMutableRawPointer(mutating: base + range.lowerBound), iov_len: range.count)
            }
            return sd_journal_sendv(vectors, Int32(vectors.count)) >= 0
        }
    }

    private func writeLine(event: LogEvent, metadata: Logger.Metadata) {
        var line = "\(event.level) \(label): \(event.message)"
        if !metadata.isEmpty {
            line += " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        line += "\n"
        StandardError.write(line)
    }
}
