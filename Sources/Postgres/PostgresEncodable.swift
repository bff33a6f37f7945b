// ragsync — PostgresEncodable: values bound as query parameters in PostgreSQL's text format.

public import Foundation

/// A Swift value that can be bound as a `$n` parameter.
///
/// Every value reaches the server as a parameter of `PQexecParams`, never spliced into SQL, so quotes, backslashes
/// and SQL-looking text in file names or frontmatter are inert.
public protocol PostgresEncodable: Sendable {
    /// The value in PostgreSQL's text input format; `nil` binds SQL NULL.
    var postgresText: String? { get }
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
        self.elements = values.map(\.postgresText)
    }

    public var postgresText: String? {
        var text = "{"
        for (position, element) in elements.enumerated() {
            if position > 0 { text += "," }
            guard let element else {
                text += "NULL"
                continue
            }
            text += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { text += "\\" }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        text += "}"
        return text
    }
}
