// ragsync — the daemon's contract with systemd and its behaviour through outages, checked on a real process.

import Foundation
import Glibc
import Postgres
import RagsyncTestSupport
import Testing

@Suite("ragsync watch lifecycle")
struct DaemonLifecycleTests {
    @Test func readyComesAfterTheWatchesAndStatusCountsTheIndex() async throws {
        try await WatchHarness.with(files: ["a.md": document("A", "One."), "b.md": document("B", "Two.")]) { harness in
            let status = try await harness.daemon.waitForNotification {
                $0.value(of: "STATUS")?.hasPrefix("Watching 2 documents") == true
            }
            #expect(status.value(of: "STATUS")?.contains("queue 0") == true)
            let ready = harness.daemon.notifications.firstIndex { $0.value(of: "READY") == "1" }
            let watching = harness.daemon.log.range(of: "watching 1 folder(s)")
            #expect(ready != nil)
            #expect(watching != nil)
        }
    }

    @Test func statusNamesTheLastDocument() async throws {
        try await WatchHarness.with { harness in
            let seen = harness.daemon.notifications.count
            try harness.write("resume.md", document("Resume", "Experience."))
            try await harness.daemon.waitForNotification(after: seen) {
                $0.value(of: "STATUS")?.contains("last: resume.md") == true
            }
        }
    }

    @Test func sigtermSendsStoppingAndExitsZero() async throws {
        try await PipelineHarness.with { pipeline in
            let daemon = try DaemonProcess(environment: environment(for: pipeline))
            try await daemon.waitUntilReady()
            daemon.send(SIGTERM)
            let status = try await daemon.waitForExit()
            #expect(status == 0)
            #expect(daemon.notifications.contains { $0.value(of: "STOPPING") == "1" })
        }
    }

    /// The daemon starts itself again in place without glibc's per-thread caches (ProcessMemory): same PID, so the
    /// notifications still come from the process systemd started; a user's own tcache setting is left alone.
    @Test func theDaemonRunsWithoutGlibcThreadCachesInTheProcessThatWasStarted() async throws {
        try await PipelineHarness.with { pipeline in
            let daemon = try DaemonProcess(environment: environment(for: pipeline))
            try await daemon.waitUntilReady()
            #expect(try tunables(of: daemon.processIdentifier) == "glibc.malloc.tcache_count=0")
            daemon.send(SIGTERM)
            #expect(try await daemon.waitForExit() == 0)

            var own = environment(for: pipeline)
            own["GLIBC_TUNABLES"] = "glibc.malloc.tcache_count=3"
            let kept = try DaemonProcess(environment: own)
            try await kept.waitUntilReady()
            #expect(try tunables(of: kept.processIdentifier) == "glibc.malloc.tcache_count=3")
            kept.send(SIGTERM)
            #expect(try await kept.waitForExit() == 0)
        }
    }

    @Test func sighupReloadsWithAFullReconcileThenReportsReady() async throws {
        try await WatchHarness.with(
            files: ["a.md": document("A", "Reload me.")], environment: ["RAGSYNC_LOG_LEVEL": "debug"]
        ) { harness in
            let seen = harness.daemon.notifications.count
            harness.daemon.send(SIGHUP)
            let reloading = try await harness.daemon.waitForNotification(after: seen) { $0.value(of: "RELOADING") == "1" }
            #expect(reloading.value(of: "MONOTONIC_USEC").flatMap(UInt64.init) != nil)
            let readyAgain = try await harness.daemon.waitForNotification(after: seen) { $0.value(of: "READY") == "1" }
            #expect(readyAgain.at >= reloading.at)
            // The reload's full reconcile ran (passes that change nothing are logged at debug level).
            try await harness.daemon.waitForLog("reconciled: 0 indexed, 0 renamed, 0 removed, 1 unchanged")
        }
    }

    @Test func theWatchdogIsPingedAtHalfItsInterval() async throws {
        try await WatchHarness.with(environment: ["WATCHDOG_USEC": "2000000"]) { harness in
            let start = harness.daemon.notifications.count
            try await harness.daemon.waitForNotification(after: start) { _ in
                harness.daemon.notifications[start...].filter { $0.value(of: "WATCHDOG") == "1" }.count >= 4
            }
            let pings = harness.daemon.notifications[start...].filter { $0.value(of: "WATCHDOG") == "1" }.map(\.at)
            for (earlier, later) in zip(pings, pings.dropFirst()) {
                // Never later than the interval (systemd would kill it), never far more often than half of it.
                #expect(later - earlier < .seconds(2))
                #expect(later - earlier > .milliseconds(800))
            }
        }
    }

    @Test func aStuckIndexerStopsTheWatchdogPings() async throws {
        try await WatchHarness.with(environment: ["WATCHDOG_USEC": "1000000", "RAGSYNC_STALL_TIMEOUT": "1"]) {
            harness in
            // Make the next document's transaction hang in the database, as a stuck server would, until the row in
            // stall_switch is deleted.
            try await harness.client.withConnection { connection in
                try connection.execute(
                    """
                    CREATE TABLE stall_switch (on_ boolean);
                    INSERT INTO stall_switch VALUES (true);
                    CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS
                    $$ BEGIN WHILE EXISTS (SELECT 1 FROM stall_switch) LOOP PERFORM pg_sleep(0.05); END LOOP;
                    RETURN NEW; END $$;
                    CREATE TRIGGER stall BEFORE INSERT OR UPDATE ON ragsync_documents
                    FOR EACH ROW WHEN (NEW.content_hash IS NOT NULL) EXECUTE FUNCTION stall();
                    """)
            }
            // On a loaded machine the 1 s limit can be reported during start-up already: wait until pings flow again,
            // then wait for a report of this stall, not an earlier one.
            try await harness.daemon.waitForNext("WATCHDOG")
            let earlierReports = harness.daemon.logCount(of: "no longer pinging the watchdog")
            try harness.write("stuck.md", document("Stuck", "This write hangs."))
            try await harness.daemon.waitForLog("no longer pinging the watchdog", occurrences: earlierReports + 1)
            let silentFrom = harness.daemon.notifications.count
            try await Task.sleep(for: .seconds(2))  // two watchdog intervals: no ping may arrive in them
            #expect(!harness.daemon.notifications[silentFrom...].contains { $0.value(of: "WATCHDOG") == "1" })
            // Unstick it; the document is written and the pings resume.
            _ = try await harness.client.query("DELETE FROM stall_switch")
            try await harness.daemon.waitForNotification(after: silentFrom) { $0.value(of: "WATCHDOG") == "1" }
            try await harness.waitForText("stuck.md", containing: "This write hangs.")
        }
    }

    @Test func anEmbeddingOutageIsWaitedOutAndTheDocumentIndexedAfterwards() async throws {
        try await WatchHarness.with { harness in
            try await harness.server.injectFault(mode: "500", count: -1)
            let seen = harness.daemon.notifications.count
            try harness.write("later.md", document("Later", "Indexed after the outage."))
            let status = try await harness.daemon.waitForNotification(after: seen) {
                $0.value(of: "STATUS")?.hasPrefix("Embedding service unavailable (HTTP 500") == true
            }
            #expect(status.value(of: "STATUS")?.contains("retrying in") == true)
            let text = try await harness.storedText("later.md")
            #expect(text == nil)
            try await harness.server.reset()
            try await harness.waitForText("later.md", containing: "Indexed after the outage.")
        }
    }

    @Test func aDroppedDatabaseConnectionIsReopened() async throws {
        try await WatchHarness.with { harness in
            _ = try await harness.client.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ragsync' AND datname = current_database() AND pid <> pg_backend_pid()")
            try harness.write("after.md", document("After", "Written after the connection dropped."))
            try await harness.waitForText("after.md", containing: "Written after the connection dropped.")
        }
    }

    @Test func anUnreachableDatabaseIsRetriedWithStatusBeforeReady() async throws {
        try await PipelineHarness.with { pipeline in
            var environment = environment(for: pipeline)
            // A port nothing listens on.
            environment["DATABASE_URL"] = "postgresql://ragsync:secret-password@127.0.0.1:9/ragsync?connect_timeout=2"
            let daemon = try DaemonProcess(environment: environment)
            let status = try await daemon.waitForNotification {
                $0.value(of: "STATUS")?.hasPrefix("Database unreachable") == true
            }
            #expect(status.value(of: "STATUS")?.contains("retrying in") == true)
            #expect(!daemon.notifications.contains { $0.value(of: "READY") == "1" })
            #expect(!daemon.log.contains("secret-password"))
            #expect(!daemon.notifications.contains { $0.text.contains("secret-password") })
            daemon.send(SIGTERM)
            let exitStatus = try await daemon.waitForExit()
            #expect(exitStatus == 0)
        }
    }

    @Test func aMissingContentDirectoryIsAConfigurationErrorWithStatus78() async throws {
        try await PipelineHarness.with { pipeline in
            var environment = environment(for: pipeline)
            environment["RAGSYNC_CONTENT_DIR"] = "/nonexistent/ragsync-content"
            let daemon = try DaemonProcess(environment: environment)
            let status = try await daemon.waitForExit()
            #expect(status == 78)
            #expect(daemon.log.contains("RAGSYNC_CONTENT_DIR"))
            #expect(daemon.notifications.contains { $0.value(of: "ERRNO") == String(EINVAL) })
        }
    }

    @Test func aLocalModelThatCannotBeFoundExits78BeforeTheSchemaIsTouched() async throws {
        try await PipelineHarness.with { pipeline in
            try await TestDatabase.withFreshDatabase { empty in
                var environment = environment(for: pipeline)
                for key in ["OPENAI_BASE_URL", "RAGSYNC_EMBEDDING_DIMENSIONS"] { environment[key] = nil }
                environment["DATABASE_URL"] = empty
                environment["RAGSYNC_DIRECT_DATABASE_URL"] = try TestDatabase.directURL(for: empty)
                environment["RAGSYNC_EMBEDDER"] = "local"
                environment["RAGSYNC_LOCAL_MODEL_DIR"] = "/nonexistent/ragsync-model"
                let daemon = try DaemonProcess(environment: environment)
                let status = try await daemon.waitForExit()
                #expect(status == 78)
                #expect(daemon.log.contains("RAGSYNC_LOCAL_MODEL_DIR"), "\(daemon.log)")
                let client = PostgresClient(url: empty)
                let tables = try await client.query(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").scalarInt
                #expect(tables == 0, "the database was changed before the configuration was found incomplete")
            }
        }
    }

    /// The directory goes as a whole (unmounted, or moved away as here); its files are not deleted one by one, which
    /// would be deletions of documents.
    @Test func theContentDirectoryVanishingDeletesNothingAndItsReturnIsReconciled() async throws {
        try await WatchHarness.with(files: ["a.md": document("A", "Survives."), "b.md": document("B", "Also.")]) {
            harness in
            let seen = harness.daemon.notifications.count
            let away = harness.content.deletingLastPathComponent().appendingPathComponent("away-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: away) }
            try FileManager.default.moveItem(at: harness.content, to: away)
            try await harness.daemon.waitForNotification(after: seen) {
                $0.value(of: "STATUS")?.contains("content directory missing") == true
            }
            let stored = try await harness.sourceFiles()
            #expect(stored == ["a.md", "b.md"])
            try harness.write("a.md", document("A", "Came back changed."))
            try await harness.waitForText("a.md", containing: "Came back changed.")
            try await harness.waitForRemoval("b.md")  // the returned folder has no b.md: a complete walk says so
        }
    }

    @Test func lostEventsTriggerAFullReconcile() async throws {
        try await WatchHarness.with { harness in
            // Freeze the daemon and make more events than the kernel queues; it sees IN_Q_OVERFLOW on resume.
            let limit = try #require(Int(try String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            harness.daemon.send(SIGSTOP)
            try harness.write("first.md", document("First", "Lost in the overflow."))
            let noise = harness.content.appendingPathComponent("noise.txt").path
            for index in 0..<(limit / 2 + 1000) {
                // Two files alternate so the kernel cannot merge identical consecutive events.
                let file = open(index % 2 == 0 ? noise : noise + "2", O_CREAT | O_WRONLY | O_TRUNC, 0o644)
                close(file)
            }
            try harness.write("last.md", document("Last", "Written after the overflow."))
            harness.daemon.send(SIGCONT)
            try await harness.daemon.waitForLog("the inotify event queue overflowed")
            try await harness.waitForText("first.md", containing: "Lost in the overflow.")
            try await harness.waitForText("last.md", containing: "Written after the overflow.")
            try await harness.daemon.waitForNotification { $0.value(of: "STATUS")?.contains("events lost 1x") == true }
        }
    }

    @Test func tooManyFoldersFallBackToPollingWithTheSysctlNamed() async throws {
        try await WatchHarness.with(
            files: ["one/a.md": document("A", "One."), "two/b.md": document("B", "Two.")],
            environment: ["RAGSYNC_MAX_WATCHED_FOLDERS": "2", "RAGSYNC_POLL_INTERVAL": "1"]
        ) { harness in
            #expect(harness.daemon.log.contains("fs.inotify.max_user_watches"))
            try await harness.daemon.waitForNotification { $0.value(of: "STATUS")?.hasPrefix("Polling") == true }
            try harness.write("two/c.md", document("C", "Found by polling."))
            try await harness.waitForText("two/c.md", containing: "Found by polling.")
        }
    }
}

/// `GLIBC_TUNABLES` as the running process `pid` sees it (`/proc/PID/environ` shows the environment of its image).
private func tunables(of pid: Int32) throws -> String? {
    let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
    return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        .first { $0.hasPrefix("GLIBC_TUNABLES=") }?.dropFirst("GLIBC_TUNABLES=".count).description
}

/// The daemon's environment for a pipeline harness.
private func environment(for pipeline: PipelineHarness) -> [String: String] {
    [
        "DATABASE_URL": pipeline.databaseURL, "OPENAI_BASE_URL": pipeline.server.baseURL,
        "RAGSYNC_DIRECT_DATABASE_URL": (try? TestDatabase.directURL(for: pipeline.databaseURL)) ?? pipeline.databaseURL,
        "RAGSYNC_CONTENT_DIR": pipeline.content.path, "RAGSYNC_EMBEDDING_DIMENSIONS": "256",
        "RAGSYNC_EMBEDDING_RETRIES": "1", "PATH": "/usr/bin:/bin",
    ]
}
