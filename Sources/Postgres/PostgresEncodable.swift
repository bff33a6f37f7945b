// ragsync — PostgresEncodable: values bound as query parameters, in PostgreSQL's text or binary format.

public import FoundationEssentials

/// A Swift value that can be bound as a `$n` parameter.
///
/// Every value reaches the server as a parameter of `PQexecParams`, never spliced into SQL, so quotes, backslashes
/// and SQL-looking text in file names or frontmatter are inert.
public protocol PostgresEncodable: Sendable {
    /// The value in PostgreSQL's text input format; `nil` binds SQL NULL.
    var postgresText: String? { get }

    /// The value as it is sent; the text format unless the type has a cheaper binary form.
    var postgresValue: PostgresValue { get }
}

extension PostgresEncodable {
    public var postgresValue: PostgresValue { postgresText.map(PostgresValue.text) ?? .null }
}

/// One parameter on the wire: NULL, the type's text input format, or its binary (`*_recv`) format.
public enum PostgresValue: Sendable, Equatable {
    case null
    case text(String)
    case binary([UInt8])
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
}

extension UUID: PostgresEncodable {
    public var postgresText: String? { uuidString.lowercased() }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

/// A pgvector value, bound as its text literal `[x,y,...]` and cast with `$n::vector` in SQL.
public struct PostgresVector: PostgresEncodable, Equatable {
    public var components: [Float]

    public init(_ components: [Float]) {
        self.components = components
    }

    public var postgresText: String? {
        var text = "["
        text.reserveCapacity(components.count * 12)
        for (position, value) in components.enumerated() {
            if position > 0 { text += "," }
            text += value.description
        }
        text += "]"
        return text
    }

    /// Parses pgvector's text output, `[0.1,0.2]`.
    public init?(postgresText text: String) {
        guard text.first == "[", text.last == "]" else { return nil }
        let body = text.dropFirst().dropLast()
        if body.isEmpty {
            self.components = []
            return
        }
        var components: [Float] = []
        for part in body.split(separator: ",") {
            guard let value = Float(part) else { return nil }
            components.append(value)
        }
        self.components = components
    }
}

/// A one-dimensional array parameter, bound as an array literal (`{"a","b"}`) and cast in SQL (`$1::text[]`).
///
/// Used with `unnest` to write many rows in one statement.
public struct PostgresArray: PostgresEncodable {
    public var elements: [String?]

    public init(_ elements: [String?]) {
        self.elements = elements
    }

    public init<Element: PostgresEncodable>(_ values: [Element]) {
        // A closure, not `\.postgresText`: a key path in generic code is built at run time on every call, demangling
        // its types (4% of the daemon's CPU on edits).
        self.elements = values.map { $0.postgresText }
    }

    public var postgresText: String? {
        // Built as UTF-8 bytes: appending scalar by scalar to a String was a tenth of a cold index's CPU time.
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (position, element) in elements.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
