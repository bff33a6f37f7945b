// ragsync — a process killed between embedding and commit leaves the previous version whole.

import Foundation
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Crash consistency")
struct CrashConsistencyTests {
    @Test func killingSyncBetweenEmbeddingAndCommitLeavesTheOldVersion() async throws {
        try await PipelineHarness.with { harness in
            try harness.write("doc.md", "# Doc\n\nThe old version.\n")
            _ = try await harness.sync()
            let oldContent = try await harness.client.query(
                "SELECT string_agg(content, '|' ORDER BY chunk_index) FROM document_chunks").scalar

            // The last statement of a document's transaction writes its hash; make it wait so the process can be
            // killed there, after its chunks and embeddings were written inside the open transaction.
            try await harness.client.withConnection { connection in
                try connection.execute(
                    """
                    CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS
                    $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$;
                    CREATE TRIGGER stall BEFORE INSERT OR UPDATE ON ragsync_documents
                    FOR EACH ROW WHEN (NEW.content_hash IS NOT NULL) EXECUTE FUNCTION stall();
                    """)
            }
            try harness.write("doc.md", "# Doc\n\nThe new version, never committed.\n")
            let process = Process()
            process.executableURL = TestDatabase.repositoryRoot.appendingPathComponent(".build/debug/ragsync")
            process.arguments = ["sync"]
            process.environment = [
                "DATABASE_URL": harness.databaseURL, "OPENAI_BASE_URL": harness.server.baseURL,
                "RAGSYNC_CONTENT_DIR": harness.content.path, "RAGSYNC_EMBEDDING_DIMENSIONS": "256",
            ]
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()

            // Wait for the event — the transaction sleeping in the trigger — not for a fixed time.
            var stalled = false
            for _ in 0..<300 where !stalled {
                stalled = try await harness.count(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ragsync' AND datname = current_database() AND query LIKE '%ragsync_documents%' AND state = 'active' AND pid <> pg_backend_pid()"
                ) > 0
                if !stalled { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(stalled, "ragsync never reached the end of its transaction")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            try await harness.client.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ragsync' AND datname = current_database() AND pid <> pg_backend_pid()")
            try await harness.client.query("DROP TRIGGER stall ON ragsync_documents")
            let content = try await harness.client.query(
                "SELECT string_agg(content, '|' ORDER BY chunk_index) FROM document_chunks").scalar
            #expect(content == oldContent)
            #expect(try await harness.count("SELECT count(*) FROM chunk_embeddings") == harness.count("SELECT count(*) FROM document_chunks"))

            // And the next sync finishes the job.
            let summary = try await harness.sync()
            #expect(summary.indexed == 1)
        }
    }
}
