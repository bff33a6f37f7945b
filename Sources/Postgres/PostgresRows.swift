// ragsync — PostgresRows: a query's result, copied out of libpq so no PGresult outlives its call.

/// The rows a statement returned, as text values.
///
/// The `PGresult` is cleared as soon as its values are copied here, so a result never leaks and never outlives the
/// connection that produced it.
public struct PostgresRows: Sendable {
    public var columns: [String]
    public var rows: [[String?]]
    /// The number of rows a command touched (`UPDATE 3` → 3); 0 when the server sent none.
    public var affectedRowCount: Int

    public init(columns: [String], rows: [[String?]], affectedRowCount: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRowCount = affectedRowCount
    }

    public var count: Int { rows.count }
    public var isEmpty: Bool { rows.isEmpty }

    /// The value of the first column of the first row, or nil for no row or NULL.
    public var scalar: String? {
        rows.first?.first ?? nil
    }

    /// The first column of the first row as an integer (`SELECT count(*) …`); 0 for no row or NULL.
    public var scalarInt: Int {
        scalar.flatMap { Int($0) } ?? 0
    }

    /// A column's position by name.
    /// - Throws: `PostgresError` with code `.unexpectedResult` when the result has no such column.
    public func columnIndex(_ name: String) throws(PostgresError) -> Int {
        guard let index = columns.firstIndex(of: name) else {
            throw PostgresError(.unexpectedResult, message: "no column \(name) in result (\(columns))")
        }
        return index
    }
}

extension PostgresRows {
    /// Decodes every row, throwing rather than trapping when a value is NULL, missing or of the wrong shape.
    ///
    /// A row comes from the database, which other programs write too: a NULL where ragsync expects a value is an
    /// error to report, never a force unwrap.
    /// - Throws: `PostgresError` with code `.unexpectedResult` naming the column, or what `decode` throws.
    public func decoded<T>(_ decode: (PostgresRow) throws(PostgresError) -> T) throws(PostgresError) -> [T] {
        var decoded: [T] = []
        decoded.reserveCapacity(rows.count)
        for values in rows {
            decoded.append(try decode(PostgresRow(columns: columns, values: values)))
        }
        return decoded
    }
}

/// One row of ``PostgresRows``, read by column position with typed, throwing accessors.
public struct PostgresRow: Sendable {
    public var columns: [String]
    public var values: [String?]

    public init(columns: [String], values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// The text of a column, nil for NULL or a column the result does not have.
    public func optionalString(_ column: Int) -> String? {
        values.indices.contains(column) ? values[column] : nil
    }

    /// The text of a column that must not be NULL.
    /// - Throws: `PostgresError(.unexpectedResult)` naming the column when it is NULL or absent.
    public func string(_ column: Int) throws(PostgresError) -> String {
        guard let value = optionalString(column) else { throw unexpected(column, "is NULL") }
        return value
    }

    /// An integer column that must not be NULL.
    /// - Throws: `PostgresError(.unexpectedResult)` when it is NULL, absent or not an integer.
    public func int(_ column: Int) throws(PostgresError) -> Int {
        let text = try string(column)
        guard let value = Int(text) else { throw unexpected(column, "is not an integer: \(text.prefix(40))") }
        return value
    }

    /// An integer column that may be NULL.
    /// - Throws: `PostgresError(.unexpectedResult)` when it holds something other than an integer.
    public func optionalInt(_ column: Int) throws(PostgresError) -> Int? {
        guard let text = optionalString(column) else { return nil }
        guard let value = Int(text) else { throw unexpected(column, "is not an integer: \(text.prefix(40))") }
        return value
    }

    /// A floating-point column that may be NULL.
    /// - Throws: `PostgresError(.unexpectedResult)` when it holds something other than a number.
    public func optionalDouble(_ column: Int) throws(PostgresError) -> Double? {
        guard let text = optionalString(column) else { return nil }
        guard let value = Double(text) else { throw unexpected(column, "is not a number: \(text.prefix(40))") }
        return value
    }

    /// A boolean column (`t`/`f`); NULL reads as false.
    public func bool(_ column: Int) -> Bool {
        optionalString(column) == "t"
    }

    private func unexpected(_ column: Int, _ problem: String) -> PostgresError {
        let name = columns.indices.contains(column) ? columns[column] : "#\(column)"
        return PostgresError(.unexpectedResult, message: "column \(name) \(problem)")
    }
}
