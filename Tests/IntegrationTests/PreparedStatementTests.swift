// ragsync — statements prepared by name on the real PostgreSQL, and what happens when a session loses them.

@testable import Postgres
import RagsyncTestSupport
import Synchronization
import Testing

@Suite("Prepared statements on the real PostgreSQL")
struct PreparedStatementTests {
    private static let increment = "SELECT $1::int + 1"
    private static var incrementName: String { PreparedStatements.name(for: increment) }

    /// The session's statements by name: the ones this connection prepared, and any other.
    private static func preparedNames(on connection: PostgresConnection) throws -> Set<String> {
        Set(try connection.query("SELECT name FROM pg_prepared_statements").decoded { row throws(PostgresError) in
            try row.string(0)
        })
    }

    /// A direct connection that prepared ``increment``, whose session then dropped it: as a transaction pooler's next
    /// server session lacks it.
    private static func connectionThatLostItsStatement(_ url: String) throws -> PostgresConnection {
        let connection = try PostgresConnection(url: try TestDatabase.directURL(for: url))
        _ = try connection.query(increment, ["1"])
        try connection.execute("DEALLOCATE ALL")
        return connection
    }

    @Test func aStatementRunTwiceIsPreparedOnceUnderTheNameOfItsText() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try PostgresConnection(url: try TestDatabase.directURL(for: url))
            #expect(try connection.query(Self.increment, ["1"]).scalar == "2")
            #expect(try connection.query(Self.increment, ["41"]).scalar == "42")
            #expect(try Self.preparedNames(on: connection).contains(Self.incrementName))
            #expect(connection.prepared.name(of: Self.increment) == Self.incrementName)
            #expect(connection.preparesStatements)
        }
    }

    @Test func aStatementPreparedInARolledBackTransactionStaysPrepared() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try PostgresConnection(url: try TestDatabase.directURL(for: url))
            struct Abandon: Error {}
            #expect(throws: Abandon.self) {
                try connection.transaction {
                    _ = try connection.query(Self.increment, ["1"])
                    throw Abandon()
                }
            }
            // Recorded as prepared, and the server agrees: the next run binds it by name and needs no fallback.
            #expect(try Self.preparedNames(on: connection).contains(Self.incrementName))
            #expect(try connection.query(Self.increment, ["2"]).scalar == "3")
            #expect(connection.preparesStatements)
        }
    }

    @Test func aTransactionWhoseSessionLostItsStatementsRunsOnceMoreUnnamed() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try Self.connectionThatLostItsStatement(url)
            try connection.execute("CREATE TABLE t (n int)")
            var attempts = 0
            let sum = try connection.transaction {
                attempts += 1
                try connection.query("INSERT INTO t VALUES ($1::int)", ["7"])
                return try connection.query(Self.increment, ["9"]).scalar
            }
            #expect(sum == "10")
            #expect(attempts == 2)
            // The first attempt was rolled back whole: one row, not two.
            #expect(try connection.query("SELECT count(*) FROM t").scalar == "1")
            #expect(!connection.preparesStatements)
        }
    }

    @Test func aStatementOutsideATransactionIsSentAgainUnnamed() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try Self.connectionThatLostItsStatement(url)
            #expect(try connection.query(Self.increment, ["2"]).scalar == "3")
            #expect(!connection.preparesStatements)
            #expect(try connection.pipeline([PostgresStatement(Self.increment, ["3"])]).first?.scalar == "4")
        }
    }

    @Test func aNameAnotherStatementHoldsNeverRunsThatStatement() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try PostgresConnection(url: try TestDatabase.directURL(for: url))
            // The name ragsync would give `increment`, taken by another text (another program on a pooled session).
            try connection.execute("PREPARE \(Self.incrementName) (int) AS SELECT 42")
            #expect(try connection.query(Self.increment, ["1"]).scalar == "2")
            #expect(!connection.preparesStatements)
        }
    }

    @Test func aStatementWhoseResultTypeChangedRunsAgainUnnamed() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try PostgresConnection(url: try TestDatabase.directURL(for: url))
            try connection.execute("CREATE TABLE t (n int)")
            try connection.execute("INSERT INTO t VALUES (1)")
            #expect(try connection.query("SELECT n FROM t").scalar == "1")
            // The prepared statement's result type is fixed: PostgreSQL refuses to run it as bigint (0A000).
            try connection.execute("ALTER TABLE t ALTER COLUMN n TYPE bigint")
            #expect(try connection.query("SELECT n FROM t").scalar == "1")
            #expect(!connection.preparesStatements)
        }
    }

    @Test func namesComeFromTheTextAloneAndTheirNumberIsBounded() {
        let name = PreparedStatements.name(for: Self.increment)
        #expect(name == PreparedStatements.name(for: "SELECT $1::int + 1"))
        #expect(name != PreparedStatements.name(for: "SELECT $1::int + 2"))
        #expect(name.count == "ragsync_".count + 16 && name.hasPrefix("ragsync_"))
        var statements = PreparedStatements()
        for index in 0..<PreparedStatements.capacity {
            let sql = "SELECT \(index)"
            guard let fresh = statements.newName(for: sql) else {
                Issue.record("no name for statement \(index) of \(PreparedStatements.capacity)")
                return
            }
            statements.record(sql, as: fresh)
        }
        #expect(statements.newName(for: "SELECT 'one more'") == nil)
        #expect(statements.name(of: "SELECT 7") == PreparedStatements.name(for: "SELECT 7"))
    }

    @Test func aTransactionTheCallerOpenedIsNotRetriedBehindItsBack() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try Self.connectionThatLostItsStatement(url)
            try connection.execute("BEGIN")
            // Inside a transaction block the refusal aborted it: sending the statement again would only fail anew.
            let error = #expect(throws: PostgresError.self) { try connection.query(Self.increment, ["2"]) }
            #expect(error?.sqlState == "26000")
            try connection.execute("ROLLBACK")
            #expect(try connection.query(Self.increment, ["2"]).scalar == "3")
        }
    }

    @Test func aTransactionsSettingsHoldForItAlone() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try PostgresConnection(url: try TestDatabase.directURL(for: url))
            let inside = try connection.transaction(localSettings: ["ragsync.writer": "on", "work_mem": "7MB"]) {
                try connection.query("SELECT current_setting('ragsync.writer'), current_setting('work_mem')").rows.first
            }
            #expect(inside == ["on", "7MB"])
            let after = try connection.query("SELECT current_setting('ragsync.writer', true), current_setting('work_mem')")
            #expect(after.rows.first?[0] ?? "" == "")
            #expect(after.rows.first?[1] != "7MB")
            // A body that sends nothing opens nothing: the next statement runs outside any transaction.
            #expect(try connection.transaction(localSettings: ["work_mem": "7MB"]) { 5 } == 5)
            #expect(try connection.query("SELECT current_setting('work_mem')").scalar != "7MB")
        }
    }

    /// Through PgBouncer in transaction mode (`make test-pooler`), a transaction that gets another client's server
    /// session finds neither its own statement there nor room for it: the write goes through all the same, once.
    /// Directly, the two connections are two sessions and nothing is refused.
    @Test func aTransactionOnAnotherServerSessionStillWritesOnce() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let first = try PostgresConnection(url: url)
            let second = try PostgresConnection(url: url)
            try first.execute("CREATE TABLE t (n int)")
            _ = try first.transaction { try first.query(Self.increment, ["1"]) }
            // The second client holds the server session the first one prepared its statement on (PgBouncer hands
            // out the most recently used one), so the first one's next transaction gets another.
            try second.execute("BEGIN")
            _ = try second.query("SELECT 1")
            var attempts = 0
            let sum = try first.transaction {
                attempts += 1
                try first.query("INSERT INTO t VALUES (1)")
                return try first.query(Self.increment, ["2"]).scalar
            }
            try second.execute("COMMIT")
            #expect(sum == "3")
            #expect(try first.query("SELECT count(*) FROM t").scalar == "1")
            if TestDatabase.poolerURL != nil {
                #expect(attempts == 2)
                #expect(!first.preparesStatements)
            } else {
                #expect(attempts == 1)
                #expect(first.preparesStatements)
            }
        }
    }

    /// The first client to find its statements gone turns preparing off for every client of the URL, and says so
    /// once: a client connecting afterwards (the daemon's writers of the next bulk pass) starts unnamed.
    @Test func theClientsOfOneURLLearnOnceThatStatementsMustGoUnnamed() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let direct = try TestDatabase.directURL(for: url)
            let reports = Mutex(0)
            let preparation = StatementPreparation { reports.withLock { $0 += 1 } }
            let first = PostgresClient(url: direct, preparation: preparation)
            let second = PostgresClient(url: direct, preparation: preparation)
            #expect(try await second.withConnection { $0.preparesStatements })
            _ = try await first.query(Self.increment, ["1"])
            try await first.withConnection { try $0.execute("DEALLOCATE ALL") }
            #expect(try await first.query(Self.increment, ["2"]).scalar == "3")
            #expect(!preparation.preparesStatements)
            #expect(reports.withLock { $0 } == 1)
            // The second client's connection predates the refusal and learns on its own; a new one starts unnamed.
            await second.disconnect()
            #expect(try await !second.withConnection { $0.preparesStatements })
            try await second.withConnection { try $0.execute("DEALLOCATE ALL") }
            #expect(try await second.query(Self.increment, ["3"]).scalar == "4")
            #expect(reports.withLock { $0 } == 1)
        }
    }
}
