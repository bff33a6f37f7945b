// ragsync — PostgresConnection: owns one libpq connection and runs parameterized statements on it.

internal import CLibPQ
internal import Glibc

/// One libpq connection.
///
/// Every call blocks the calling thread until the server answers, so a connection is used only from a
/// ``PostgresClient``, whose methods run on a dedicated thread. It is not `Sendable`: one owner at a time.
/// The corresponding C type is `PGconn`; it is closed with `PQfinish` exactly once, in `deinit`.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// The libpq handle, for extensions in this module; never escapes it.
    var rawHandle: OpaquePointer { handle }
    /// The connection target with its password masked, for messages.
    public let redactedTarget: String
    /// Whether statements are prepared by name and reused (``PreparedStatements``); false from the start when the
    /// caller knows a transaction pooler is in between, and from the first sign of one.
    public private(set) var preparesStatements: Bool
    /// The statements prepared on this session.
    var prepared = PreparedStatements()
    /// The statements that open the current transaction, sent with its first statement; nil once sent.
    private var pendingBegin: [PostgresStatement]?

    /// Connects to a `postgresql://` URL or a `key=value` connection string.
    /// - Parameters:
    ///   - url: the connection string; its password is never shown in messages.
    ///   - connectTimeoutSeconds: how long to wait for the server; the URL's own `connect_timeout` wins.
    ///   - applicationName: shown in `pg_stat_activity`.
    ///   - preparesStatements: false to send every statement unnamed, as through a transaction pooler that does not
    ///     keep a session's statements; when true, the connection still stops at the first sign of one.
    /// - Throws: `PostgresError` with code `.connectionFailed` and libpq's message.
    public init(
        url: String, connectTimeoutSeconds: Int = 10, applicationName: String = "ragsync", preparesStatements: Bool = true
    ) throws(PostgresError) {
        redactedTarget = ConnectionString.redacted(url)
        self.preparesStatements = preparesStatements
        // Keywords before `dbname` are defaults that the expanded URL overrides.
        var keywords = ["connect_timeout", "application_name", "client_encoding"]
        var values = [String(connectTimeoutSeconds), applicationName, "UTF8"]
        if getenv("PGGSSENCMODE") == nil {
            // libpq's default, `prefer`, sets up Kerberos on every TCP connection to look for a ticket, whether or
            // not the server offers GSSAPI encryption: 1.3 MB of an idle daemon's RSS (its libraries and their
            // allocations). A URL's `gssencmode`, or PGGSSENCMODE, still asks for it.
            keywords.append("gssencmode")
            values.append("disable")
        }
        keywords.append("dbname")
        values.append(url)
        let connection: OpaquePointer? = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(.connectionFailed, message: "out of memory", target: redactedTarget)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trimmedMessage(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(.connectionFailed, message: message, target: redactedTarget)
        }
        // Server NOTICEs (e.g. "relation already exists, skipping") would go to stderr unasked; drop them.
        PQsetNoticeReceiver(connection, { _, _ in }, nil)
        handle = connection
    }

    deinit {
        PQfinish(handle)
    }

    /// True while the connection is usable; false after the server went away.
    public var isHealthy: Bool {
        PQstatus(handle) == CONNECTION_OK
    }

    /// The value libpq uses for a connection keyword, such as `gssencmode`: from the URL, the environment or
    /// ragsync's defaults; nil for a keyword libpq does not know. For the tests of those defaults.
    func option(_ keyword: String) -> String? {
        guard let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword {
                return option.pointee.val.map { String(cString: $0) }
            }
            option += 1
        }
        return nil
    }

    /// The server's major version, e.g. 18.
    public var serverMajorVersion: Int {
        Int(PQserverVersion(handle)) / 10000
    }

    /// Runs one statement with its parameters bound separately from the SQL text.
    ///
    /// The corresponding C functions are `PQsendPrepare` and `PQsendQueryPrepared` (a one-statement pipeline: the
    /// first run of a text prepares it in the same round trip), or `PQexecParams` when statements go unnamed.
    /// Parameters go in the text format unless their type has a binary one (``PostgresVectorArray``); their types
    /// come from the SQL (`$1::text[]`). Results use the text format.
    /// - Parameters:
    ///   - sql: the statement, with `$1`, `$2`… placeholders.
    ///   - parameters: one value per placeholder; `nil` binds NULL.
    /// - Returns: the rows, copied out of libpq.
    /// - Throws: `PostgresError` carrying the server's SQLSTATE and message.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws(PostgresError) -> PostgresRows {
        guard preparesStatements || pendingBegin != nil else { return try unnamedQuery(sql, parameters) }
        guard let rows = try pipeline([PostgresStatement(sql, parameters)]).first else {
            throw PostgresError(.unexpectedResult, message: "no result for a statement", target: redactedTarget)
        }
        return rows
    }

    /// Runs one statement unnamed (`PQexecParams`): parsed and planned by the server for this execution alone.
    func unnamedQuery(_ sql: String, _ parameters: [any PostgresEncodable]) throws(PostgresError) -> PostgresRows {
        let values = parameters.map(\.postgresValue)
        let result: OpaquePointer? = withParameterArrays(values) { pointers, lengths, formats in
            PQexecParams(handle, sql, Int32(values.count), nil, pointers, lengths, formats, 0)
        }
        return try consume(result)
    }

    /// Runs SQL that takes no parameters, possibly several statements (migrations).
    ///
    /// The corresponding C function is `PQexec`. Never pass it text that came from a file or a user.
    public func execute(_ sql: String) throws(PostgresError) {
        let opening = takePendingBegin()
        if !opening.isEmpty { try pipeline(opening) }
        try consume(PQexec(handle, sql))
    }

    /// Runs `body` inside `BEGIN … COMMIT`, rolling back when it throws.
    ///
    /// `BEGIN` and the settings go with the body's first statement, in one round trip; a body that sends nothing
    /// opens no transaction.
    ///
    /// Through a transaction pooler, a statement prepared in one transaction may be missing from the server session
    /// the next one gets, or another client's may be there already. The server then refuses it and the transaction
    /// is aborted: this rolls it back, stops preparing statements and runs `body` once more, so `body` must change
    /// nothing outside the database before it returns.
    /// - Parameter localSettings: settings (`set_config(name, value, true)`, as `SET LOCAL`) that hold for this
    ///   transaction only, bound as parameters; a transaction pooler keeps them to this transaction.
    public func transaction<T>(localSettings: KeyValuePairs<String, String> = [:], _ body: () throws -> T) throws -> T {
        let wasPreparing = preparesStatements
        do {
            return try runTransaction(localSettings: localSettings, body)
        } catch let error as PostgresError where error.losesPreparedStatements && wasPreparing {
            stopPreparingStatements()
            return try runTransaction(localSettings: localSettings, body)
        }
    }

    private func runTransaction<T>(localSettings: KeyValuePairs<String, String>, _ body: () throws -> T) throws -> T {
        pendingBegin = [PostgresStatement("BEGIN")] + localSettings.map { name, value in
            PostgresStatement("SELECT set_config($1, $2, true)", [name, value])
        }
        defer { pendingBegin = nil }
        do {
            let value = try body()
            if pendingBegin == nil { try execute("COMMIT") }
            return value
        } catch {
            if pendingBegin == nil, isHealthy { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// The statements that open the current transaction when they are still to be sent; they are sent by the caller.
    func takePendingBegin() -> [PostgresStatement] {
        defer { pendingBegin = nil }
        return pendingBegin ?? []
    }

    /// Sends every statement unnamed from now on: a transaction pooler is in between.
    func stopPreparingStatements() {
        preparesStatements = false
        prepared.removeAll()
    }

    /// Copies a `PGresult` into ``PostgresRows`` and clears it.
    @discardableResult
    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw PostgresError(
                isHealthy ? .queryFailed : .connectionFailed,
                message: Self.trimmedMessage(PQerrorMessage(handle)), target: redactedTarget)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        default:
            throw error(from: result)
        }
    }

    func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            // trap: `code` is one of libpq's constant ASCII field codes in this file.
        guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        let message = field("M") ?? Self.trimmedMessage(PQresultErrorMessage(result))
        let lost = !isHealthy
        return PostgresError(
            lost ? .connectionFailed : .queryFailed, message: message, sqlState: sqlState, detail: field("D"),
            hint: field("H"), target: redactedTarget)
    }

    static func rows(of result: OpaquePointer) -> PostgresRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(values)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, rows: rows, affectedRowCount: affected)
    }

    static func trimmedMessage(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown libpq error" }
        let text = String(cString: message).trimmingWhitespace()
        return text.isEmpty ? "unknown libpq error" : text
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        return String(scalars)
    }
}

/// Calls `body` with a NULL-terminated C array of C strings that lives for the call.
private func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    // trap: strdup fails only when memory is exhausted, where Swift's own allocations trap too.
    var owned: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0)! }
    defer { owned.forEach { free($0) } }
    owned.append(nil)
    return body(owned.map { UnsafePointer($0) })
}

/// Calls `body` with the value pointers, lengths and formats `PQexecParams` takes, alive for the call.
///
/// Text values are NUL-terminated copies (libpq ignores their length); NULL is a null pointer; binary values are
/// their bytes with their length.
func withParameterArrays<R>(
    _ values: [PostgresValue],
    _ body: ([UnsafePointer<CChar>?], [Int32], [Int32]) -> R
) -> R {
    var owned: [UnsafeMutablePointer<CChar>?] = []
    var lengths: [Int32] = []
    var formats: [Int32] = []
    owned.reserveCapacity(values.count)
    defer { owned.forEach { free($0) } }
    for value in values {
        switch value {
        case .null:
            owned.append(nil)
            lengths.append(0)
            formats.append(0)
        case .text(let text):
            // trap: out of memory only, as above.
            owned.append(strdup(text)!)
            lengths.append(0)
            formats.append(0)
        case .binary(let bytes):
            // trap: out of memory only, as above.
            let copy = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: CChar.self)
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { UnsafeMutableRawPointer(copy).copyMemory(from: base, byteCount: source.count) }
            }
            owned.append(copy)
            lengths.append(Int32(bytes.count))
            formats.append(1)
        }
    }
    return body(owned.map { UnsafePointer($0) }, lengths, formats)
}
