// ragsync — PreparedStatements: the named statements a connection has prepared, by their SQL.

/// Which statements a connection has prepared on its server session, and the name of each.
///
/// A statement sent unnamed is parsed at every execution: an edit's 20 statements spent 0.8 ms of the server's 4 on
/// that alone. Prepared once by name, each is only bound (and planned for its parameters) and run after that.
///
/// A name is derived from the SQL text alone (`ragsync_` and a 64-bit FNV-1a hash), so two connections, or two
/// processes, that prepare the same text use the same name, and one name never stands for two texts (short of a
/// hash collision between ragsync's own few dozen statements). A transaction pooler that hands this session's
/// statements to another client therefore hands over the very statement that client would have prepared.
///
/// Pure bookkeeping: no I/O. The connection records a statement only after the server confirmed its preparation.
struct PreparedStatements {
    /// The most statements kept; beyond it statements go unnamed. ragsync has a few dozen texts, so this bounds a
    /// session's server memory should a text ever vary.
    static let capacity = 128

    private var names: [String: String] = [:]

    /// The name `sql` was prepared under on this session; nil when it was not.
    func name(of sql: String) -> String? {
        names[sql]
    }

    /// The name to prepare `sql` under; nil when the session holds ``capacity`` statements already.
    func newName(for sql: String) -> String? {
        guard names.count < Self.capacity else { return nil }
        return Self.name(for: sql)
    }

    /// Records that the server prepared `sql` as `name`.
    mutating func record(_ sql: String, as name: String) {
        names[sql] = name
    }

    /// Forgets every statement, after the server dropped them or they can no longer be trusted.
    mutating func removeAll() {
        names.removeAll()
    }

    /// `ragsync_` and the FNV-1a hash of the SQL's UTF-8 bytes in hex: a valid identifier, the same in every process.
    static func name(for sql: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return "ragsync_" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}
