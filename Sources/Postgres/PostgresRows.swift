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
