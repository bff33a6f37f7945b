// ragsync — PostgresError: what went wrong talking to PostgreSQL, with the server's own words.

/// An error from libpq or the PostgreSQL server.
///
/// `description` is safe for logs and STATUS: it never contains the connection password (libpq's messages do not
/// include it, and the connection target is always shown redacted).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; decides whether a caller retries.
    public enum Code: Sendable, Equatable {
        /// The connection could not be made or was lost; retrying later may work.
        case connectionFailed
        /// The server rejected a statement; `sqlState` says why.
        case queryFailed
        /// The server answered with something the caller did not expect (a type or shape mismatch).
        case unexpectedResult
    }

    public var code: Code
    /// The five-character SQLSTATE, e.g. `23505` for a unique violation, when the server sent one.
    public var sqlState: String?
    /// The server's or libpq's own message.
    public var message: String
    /// The server's DETAIL and HINT lines, when present.
    public var detail: String?
    public var hint: String?
    /// The redacted connection target, e.g. `postgresql://ragsync:***@127.0.0.1:5432/ragsync`.
    public var target: String?

    public init(
        _ code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        target: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.target = target
    }

    /// True for failures that a retry after a pause can cure: lost connections, server restarts, serialization
    /// failures, deadlocks, too many connections.
    public var isTransient: Bool {
        if code == .connectionFailed { return true }
        guard let state = sqlState else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P") || state == "40001" || state == "40P01"
            || state == "53300"
    }

    /// True when the server refused a statement prepared by name because its session is not the one the statement
    /// was prepared on: it does not have it (`26000`), or already has one by that name (`42P05`), as through a
    /// transaction pooler that gives each transaction any server session; or its result type changed under it
    /// (`0A000`, after a column's type changed).
    public var losesPreparedStatements: Bool {
        switch sqlState {
        case "26000", "42P05": return true
        case "0A000": return message.contains("cached plan must not change result type")
        default: return false
        }
    }

    /// True when the server refused the credentials: a setting to fix, not an outage to wait out. libpq reports a
    /// refused password at connection time without a SQLSTATE, so its message is the only sign there.
    public var isAuthenticationFailure: Bool {
        if let state = sqlState, state == "28P01" || state == "28000" { return true }
        return code == .connectionFailed && message.contains("password authentication failed")
    }

    public var description: String {
        var text: String
        switch code {
        case .connectionFailed:
            text = "cannot connect to PostgreSQL at \(target ?? "DATABASE_URL"): \(message)"
        case .queryFailed:
            text = "PostgreSQL error\(sqlState.map { " \($0)" } ?? ""): \(message)"
        case .unexpectedResult:
            text = "unexpected result from PostgreSQL: \(message)"
        }
        if let detail { text += " (\(detail))" }
        if let hint { text += " Hint: \(hint)" }
        return text
    }
}
