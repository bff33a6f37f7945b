// ragsync — PostgresClient: the owner of a connection, running libpq on a thread of its own.

internal import ThreadExecutor

/// An actor that owns one ``PostgresConnection`` and runs all of its blocking libpq calls on a dedicated thread,
/// never on Swift's cooperative thread pool.
///
/// It connects lazily and reconnects after the server went away, so a database restart costs one failed call,
/// not the process.
public actor PostgresClient {
    private let executor: DedicatedThreadExecutor
    private let url: String
    private var connection: PostgresConnection?
    /// Whether connections prepare statements by name; off for good once one met a transaction pooler.
    private let preparation: StatementPreparation

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// The connection target with the password masked.
    public nonisolated let redactedTarget: String

    /// - Parameters:
    ///   - url: a `postgresql://` URL or `key=value` connection string; nothing connects until first use.
    ///   - preparesStatements: false when `url` is known to go through a transaction pooler
    ///     (``PostgresConnection/preparesStatements``).
    public init(url: String, preparesStatements: Bool = true) {
        self.init(url: url, preparation: StatementPreparation(isOn: preparesStatements))
    }

    /// - Parameters:
    ///   - url: a `postgresql://` URL or `key=value` connection string; nothing connects until first use.
    ///   - preparation: whether connections prepare statements, shared with the other clients of the same URL.
    public init(url: String, preparation: StatementPreparation) {
        self.url = url
        self.preparation = preparation
        self.redactedTarget = ConnectionString.redacted(url)
        self.executor = DedicatedThreadExecutor(name: "ragsync-postgres")
    }

    /// Runs `body` with the connection, on the client's thread, connecting first if needed.
    ///
    /// `body` may run several statements; it must not keep the connection.
    /// - Throws: `PostgresError` from connecting, or whatever `body` throws.
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try connected()
        defer { if !connection.preparesStatements { preparation.turnOff() } }
        do {
            return try body(connection)
        } catch let error as PostgresError where error.code == .connectionFailed {
            self.connection = nil
            throw error
        }
    }

    /// Runs `body` inside one transaction on the client's thread, with `localSettings` set for it alone.
    public func transaction<T: Sendable>(
        localSettings: KeyValuePairs<String, String> = [:], _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        try withConnection { connection in
            try connection.transaction(localSettings: localSettings) { try body(connection) }
        }
    }

    /// Runs one parameterized statement. See ``PostgresConnection/query(_:_:)``.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> PostgresRows {
        try withConnection { try $0.query(sql, parameters) }
    }

    /// Drops the connection; the next call reconnects.
    public func disconnect() {
        connection = nil
    }

    private func connected() throws(PostgresError) -> PostgresConnection {
        if let connection, connection.isHealthy { return connection }
        connection = nil
        let fresh = try PostgresConnection(url: url, preparesStatements: preparation.preparesStatements)
        connection = fresh
        return fresh
    }
}
