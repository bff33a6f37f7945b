// ragsync — DocumentParseError: why a markdown file could not be turned into a document.

/// Why a file could not be parsed; the file is then reported and skipped rather than indexed.
///
/// `description` names the problem and where it is (byte offset or line), and is safe for logs and status
/// output: it never contains file content beyond what a YAML error message quotes.
public struct DocumentParseError: Error, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of problem.
    public enum Code: Sendable, Equatable {
        /// The file contains a NUL byte, which PostgreSQL `text` cannot store.
        case nulByte
        /// The file is not valid UTF-8.
        case invalidUTF8
        /// The frontmatter is not valid YAML.
        case malformedFrontmatter
        /// The frontmatter is valid YAML but not a mapping (for example a list or a plain string).
        case frontmatterNotMapping
        /// The frontmatter has more values than is reasonable (for example through YAML alias expansion).
        case frontmatterTooLarge
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong and where, e.g. "invalid UTF-8 at byte offset 1234 (line 5)".
    public var message: String
    /// The relative path of the file.
    public var path: String
    /// 0-based byte offset of the problem in the file, when known.
    public var byteOffset: Int?
    /// 1-based line of the problem in the file, when known.
    public var line: Int?
    private var sourceLocation: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - message: What is wrong and where.
    ///   - path: The file's relative path.
    ///   - byteOffset: 0-based byte offset of the problem, when known.
    ///   - line: 1-based line of the problem, when known.
    public init(
        _ code: Code,
        _ message: String,
        path: String,
        byteOffset: Int? = nil,
        line: Int? = nil,
        fileID: String = #fileID,
        sourceLine: Int = #line
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.byteOffset = byteOffset
        self.line = line
        self.sourceLocation = "\(fileID):\(sourceLine)"
    }

    /// "<path>: <message>".
    public var description: String { "\(path): \(message)" }

    /// The description plus the code and where in ragsync the error was raised.
    public var debugDescription: String { "DocumentParseError(\(code)) \(description) [\(sourceLocation)]" }

    public static func == (lhs: DocumentParseError, rhs: DocumentParseError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.path == rhs.path
            && lhs.byteOffset == rhs.byteOffset && lhs.line == rhs.line
    }
}
