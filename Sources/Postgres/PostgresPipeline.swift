// ragsync — PostgresConnection.pipeline: several statements in one round trip (libpq's pipeline mode).

internal import CLibPQ

extension PostgresConnection {
    /// Sends `statements` without waiting for each answer, then reads their results in order: one round trip
    /// instead of one per statement.
    ///
    /// A document's write is a dozen statements whose results the writer does not need before sending the next;
    /// sent one by one, an edit waited on the server about 16 times.
    ///
    /// A statement is prepared by name in the same round trip as its first run and bound by name after that
    /// (``PreparedStatements``), unless the connection sends statements unnamed (``preparesStatements``).
    ///
    /// The server runs the statements in order, as ``query(_:_:)`` would. When one fails, it skips the rest, and
    /// this throws the failed statement's error; inside a transaction the transaction is then aborted, and the
    /// caller rolls it back as after any failed statement.
    ///
    /// The pipeline ends with one Sync, and nothing more is sent until its results are in: a transaction pooler sees
    /// one ReadyForQuery per round trip, as for a single statement (or a JDBC batch). Several Syncs in flight are what
    /// poolers have mishandled (Supavisor #1061 released the server connection at the first one).
    ///
    /// The results are read after every statement is sent. Nothing can deadlock on a full socket: whenever a send
    /// would block, libpq reads and buffers what the server sent meanwhile (`pqSendSome`). Those results wait in
    /// memory until then, so pipelines suit commands and small reads; thousands of rows belong in ``query(_:_:)``.
    /// - Returns: one result per statement, in order.
    /// - Throws: `PostgresError` carrying the first failure's SQLSTATE and message; `.connectionFailed` when the
    ///   server's replies end early, after which the connection is not reused.
    @discardableResult
    public func pipeline(_ statements: [PostgresStatement]) throws(PostgresError) -> [PostgresRows] {
        let opening = takePendingBegin()
        do {
            return Array(try send(opening + statements).dropFirst(opening.count))
        } catch where error.losesPreparedStatements && preparesStatements {
            stopPreparingStatements()
            // Outside a transaction block the refused statement ran nothing (its Parse or Bind failed, and the
            // pipeline's implicit transaction rolled back whatever came before it): it is sent again, unnamed. Inside
            // one the transaction is aborted, and ``transaction(localSettings:_:)`` runs it again.
            guard opening.isEmpty, PQtransactionStatus(rawHandle) == PQTRANS_IDLE else { throw error }
            return try send(statements)
        }
    }

    /// Sends `statements` in one pipeline, each by name when it is (or is now) prepared on this session.
    private func send(_ statements: [PostgresStatement]) throws(PostgresError) -> [PostgresRows] {
        guard preparesStatements || statements.count > 1 else {
            return try statements.map { statement throws(PostgresError) in
                try unnamedQuery(statement.sql, statement.parameters)
            }
        }
        guard PQenterPipelineMode(rawHandle) == 1 else { throw lostPipeline("could not enter pipeline mode") }
        // Per statement, the name it is prepared under in this pipeline, when it is; a text that comes twice is
        // prepared once.
        var preparing: [String?] = []
        var preparedHere: [String: String] = [:]
        for statement in statements {
            var name = preparesStatements ? prepared.name(of: statement.sql) ?? preparedHere[statement.sql] : nil
            var prepares: String?
            if preparesStatements, name == nil, let fresh = prepared.newName(for: statement.sql) {
                guard PQsendPrepare(rawHandle, fresh, statement.sql, Int32(statement.parameters.count), nil) == 1 else {
                    throw lostPipeline("sending a statement failed")
                }
                name = fresh
                prepares = fresh
                preparedHere[statement.sql] = fresh
            }
            let values = statement.parameters.map(\.postgresValue)
            let sent = withParameterArrays(values) { pointers, lengths, formats in
                if let name {
                    PQsendQueryPrepared(rawHandle, name, Int32(values.count), pointers, lengths, formats, 0)
                } else {
                    PQsendQueryParams(rawHandle, statement.sql, Int32(values.count), nil, pointers, lengths, formats, 0)
                }
            }
            guard sent == 1 else { throw lostPipeline("sending a statement failed") }
            preparing.append(prepares)
        }
        guard PQpipelineSync(rawHandle) == 1 else { throw lostPipeline("sending the pipeline's end failed") }

        var results: [PostgresRows] = []
        results.reserveCapacity(statements.count)
        var firstFailure: PostgresError?
        for (statement, prepares) in zip(statements, preparing) {
            if let prepares {
                // A statement is recorded once the server has it; a Parse outlives the transaction it was sent in.
                if try readResult(into: &firstFailure) != nil { prepared.record(statement.sql, as: prepares) }
            }
            results.append(try readResult(into: &firstFailure) ?? PostgresRows(columns: [], rows: [], affectedRowCount: 0))
        }
        guard let sync = PQgetResult(rawHandle) else { throw lostPipeline("the pipeline's end is missing") }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(rawHandle) == 1 else { throw lostPipeline("the pipeline did not end") }
        if let firstFailure { throw firstFailure }
        return results
    }

    /// Reads one command's result in a pipeline: its rows, or nil when it failed (the first failure is kept in
    /// `firstFailure`) or the server skipped it after an earlier failure (`PGRES_PIPELINE_ABORTED`).
    private func readResult(into firstFailure: inout PostgresError?) throws(PostgresError) -> PostgresRows? {
        // Each command's result is followed by a null one; a null where a result is owed means the replies ended
        // (the connection broke).
        guard let result = PQgetResult(rawHandle) else { throw lostPipeline("a statement's result is missing") }
        defer {
            PQclear(result)
            while let extra = PQgetResult(rawHandle) { PQclear(extra) }
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        case let status:
            if firstFailure == nil, status != PGRES_PIPELINE_ABORTED { firstFailure = error(from: result) }
            return nil
        }
    }

    /// The error for replies that ended early or out of order: the connection is in an unknown state, so it is
    /// reported as lost, and ``PostgresClient`` drops it.
    private func lostPipeline(_ what: String) -> PostgresError {
        PostgresError(
            .connectionFailed, message: "\(what): \(Self.trimmedMessage(PQerrorMessage(rawHandle)))",
            target: redactedTarget)
    }
}
