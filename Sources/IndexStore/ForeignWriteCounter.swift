// ragsync — ForeignWriteCounter: counts the writes to the chunk tables that did not come from ragsync.

import Postgres

/// A counter in the database that every statement writing `document_chunks`, `chunk_embeddings` or
/// `ragsync_chunks` advances, unless ragsync ran it.
///
/// The drift check (``DocumentStore/checkDrift()``) reads every chunk row: 24 ms of a 75 ms pass with nothing
/// changed at 12,786 chunks. Rows change behind ragsync's back only through another writer, so a pass whose counter
/// is still the one its last clean check saw skips the scan. ragsync's own transactions say who they are with a
/// transaction-local setting (``writerSettings``); statement-level triggers (one call per statement, not per row)
/// advance the counter for every other writer. A forgotten mark costs a scan, never a missed repair.
///
/// Writes with triggers off (`session_replication_role = replica`, as `pg_restore --disable-triggers` and logical
/// replication apply them) are not counted: `ragsync check` always scans.
enum ForeignWriteCounter {
    /// The setting ragsync's transactions carry, read by the triggers.
    static let writerSettings: KeyValuePairs<String, String> = ["ragsync.writer": "on"]
    /// ``writerSettings`` for bookkeeping the next pass redoes if a crash loses it: its commit does not wait for the
    /// WAL flush (about 1 ms of every command on the embedded database).
    static let bookkeepingSettings: KeyValuePairs<String, String> = [
        "ragsync.writer": "on", "synchronous_commit": "off",
    ]

    /// The tables whose rows the drift check compares.
    static let countedTables = ["document_chunks", "chunk_embeddings", "ragsync_chunks"]

    /// Schema 14: the counter, the record of clean checks per source and model, and the triggers.
    static func create(on connection: PostgresConnection) throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS ragsync_foreign_writes (
                id boolean PRIMARY KEY DEFAULT true CHECK (id),
                generation bigint NOT NULL
            );
            INSERT INTO ragsync_foreign_writes (id, generation) VALUES (true, 1) ON CONFLICT (id) DO NOTHING;
            CREATE TABLE IF NOT EXISTS ragsync_drift_checks (
                source text NOT NULL,
                embedding_model text NOT NULL,
                generation bigint NOT NULL,
                checked_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (source, embedding_model)
            );
            -- Runs as its owner (ragsync's role), so a web app allowed to write chunks needs no right on the counter.
            CREATE OR REPLACE FUNCTION ragsync_count_foreign_write() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
            BEGIN
                IF current_setting('ragsync.writer', true) IS DISTINCT FROM 'on' THEN
                    UPDATE ragsync_foreign_writes SET generation = generation + 1;
                END IF;
                RETURN NULL;
            END
            $$;
            """)
        for table in countedTables {
            // Table names are the constants above, never input.
            try connection.execute(
                """
                DROP TRIGGER IF EXISTS ragsync_foreign_write ON \(table);
                CREATE TRIGGER ragsync_foreign_write AFTER INSERT OR UPDATE OR DELETE ON \(table)
                    FOR EACH STATEMENT EXECUTE FUNCTION ragsync_count_foreign_write();
                DROP TRIGGER IF EXISTS ragsync_foreign_truncate ON \(table);
                CREATE TRIGGER ragsync_foreign_truncate AFTER TRUNCATE ON \(table)
                    FOR EACH STATEMENT EXECUTE FUNCTION ragsync_count_foreign_write();
                """)
        }
    }
}

extension PostgresClient {
    /// A transaction of ragsync's: the foreign-write triggers leave the counter alone for its statements.
    func ragsyncTransaction<T: Sendable>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try transaction(localSettings: ForeignWriteCounter.writerSettings, body)
    }

    /// A transaction of ragsync's bookkeeping (``ForeignWriteCounter/bookkeepingSettings``).
    func ragsyncBookkeepingTransaction<T: Sendable>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try transaction(localSettings: ForeignWriteCounter.bookkeepingSettings, body)
    }
}
