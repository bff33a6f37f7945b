// ragsync — the daemon survives kills, faults, a second daemon and bad input, losing and duplicating nothing.

import Foundation
import Glibc
import Logging
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Reliability")
struct ReliabilityTests {
    @Test(arguments: ["429", "slow", "close", "malformed", "wrong_dimension"])
    func everyEmbeddingFaultIsWaitedOutAndNothingIsEmbeddedTwice(fault: String) async throws {
        try await WatchHarness.with(environment: ["RAGSYNC_EMBEDDING_TIMEOUT": "1"]) { harness in
            try await harness.server.injectFault(mode: fault, count: -1, retryAfter: 1, delayMs: 3000)
            let seen = harness.daemon.notifications.count
            try harness.write("doc.md", document("Doc", "Survives the \(fault) fault."))
            try await harness.daemon.waitForNotification(after: seen) {
                $0.value(of: "STATUS")?.hasPrefix("Embedding service unavailable") == true
            }
            try await harness.server.reset()
            try await harness.waitForText("doc.md", containing: "Survives the \(fault) fault.")
            try await harness.daemon.waitForNotification(after: seen) {
                $0.value(of: "STATUS")?.hasPrefix("Watching 1 documents") == true
            }
            let stats = try await harness.server.stats()
            #expect(stats.inputs == 1, "the document's one chunk is embedded once after the fault")
            let embeddings = try await harness.pipeline.count("SELECT count(*) FROM chunk_embeddings")
            #expect(embeddings == 1)
        }
    }

    @Test func twoDaemonsOnOneDatabaseWriteEveryDocumentOnce() async throws {
        var files: [String: String] = [:]
        for index in 0..<60 { files["d\(index).md"] = document("Doc \(index)", SampleText.paragraph(index)) }
        try await WatchHarness.with(files: files) { harness in
            let second = try DaemonProcess(environment: [
                "DATABASE_URL": harness.pipeline.databaseURL, "OPENAI_BASE_URL": harness.server.baseURL,
                "RAGSYNC_CONTENT_DIR": harness.content.path, "RAGSYNC_EMBEDDING_DIMENSIONS": "256",
                "PATH": "/usr/bin:/bin",
            ])
            try await second.waitUntilReady()
            // Both see every edit and race to write the same documents.
            for index in 0..<60 {
                try harness.write("d\(index).md", document("Doc \(index)", "Edited " + SampleText.paragraph(index + 100)))
            }
            try await harness.eventually("all 60 edits stored") {
                try await harness.pipeline.count(
                    "SELECT count(*) FROM document_chunks WHERE content LIKE '%Edited%'") >= 60
            }
            try await harness.waitUntilIdle(after: harness.daemon.notifications.count)
            second.send(SIGTERM)
            _ = try await second.waitForExit()
            try await StoreInvariants.check(harness.client, documents: 60)
        }
    }

    @Test func killingTheDaemonTwentyTimesDuringAColdIndexLosesNothing() async throws {
        try await PipelineHarness.with { harness in
            for index in 0..<500 {
                try harness.write(
                    "folder\(index % 10)/doc\(index).md",
                    document("Doc \(index)", SampleText.paragraph(index) + "\n\n" + SampleText.paragraph(index + 1000)))
            }
            let environment = [
                "DATABASE_URL": harness.databaseURL, "OPENAI_BASE_URL": harness.server.baseURL,
                "RAGSYNC_CONTENT_DIR": harness.content.path, "RAGSYNC_EMBEDDING_DIMENSIONS": "256",
                "PATH": "/usr/bin:/bin",
            ]
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            for round in 0..<20 {
                let daemon = try DaemonProcess(environment: environment)
                // A random moment of the cold index; on odd rounds the database drops the connection first.
                try await Task.sleep(for: .milliseconds(Int.random(in: 30...400, using: &generator)))
                if round % 2 == 1 {
                    _ = try await harness.client.query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ragsync' AND datname = current_database() AND pid <> pg_backend_pid()")
                }
                daemon.send(SIGKILL)
                _ = try await daemon.waitForExit()
                kills += 1
            }
            print("killed the daemon \(kills) times during the cold index")
            let final = try DaemonProcess(environment: environment)
            try await final.waitUntilReady()
            try await final.waitForNotification {
                $0.value(of: "STATUS")?.hasPrefix("Watching 500 documents") == true
            }
            final.send(SIGTERM)
            #expect(try await final.waitForExit() == 0)
            try await StoreInvariants.check(harness.client, documents: 500)

            // The same files indexed once, cleanly, into another database give the same rows.
            let interrupted = try await StoreInvariants.fingerprint(harness.client)
            let clean = try await TestDatabase.withFreshDatabase { url in
                let client = PostgresClient(url: url)
                var cleanEnvironment = environment
                cleanEnvironment["DATABASE_URL"] = url
                let daemon = try DaemonProcess(environment: cleanEnvironment)
                try await daemon.waitForNotification { $0.value(of: "STATUS")?.hasPrefix("Watching 500 documents") == true }
                daemon.send(SIGTERM)
                _ = try await daemon.waitForExit()
                return try await StoreInvariants.fingerprint(client)
            }
            #expect(interrupted == clean)
        }
    }

    @Test func badFilesAreReportedByNameAndEverythingElseIsIndexed() async throws {
        try await WatchHarness.with(files: ["good.md": document("Good", "Stays indexed.")]) { harness in
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString).md")
            try Data(document("Outside", "Not ours.").utf8).write(to: outside)
            defer { try? FileManager.default.removeItem(at: outside) }
            let bad: [(String, Data)] = [
                ("invalid-utf8.md", Data([0x23, 0x20, 0xC3, 0x28, 0x0A])),
                ("nul.md", Data("# Title\n\nBefore\0after\n".utf8)),
                ("binary.md", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) })),
                ("malformed-yaml.md", Data("---\ntitle: [unclosed\n---\n\nBody.\n".utf8)),
                ("list-frontmatter.md", Data("---\n- a\n- b\n---\n\nBody.\n".utf8)),
                ("too-large.md", Data(repeating: UInt8(ascii: "a"), count: 9 * 1024 * 1024)),
            ]
            for (name, bytes) in bad { try bytes.write(to: harness.content.appendingPathComponent(name)) }
            let odd: [(String, String)] = [
                ("empty.md", ""),
                ("frontmatter-only.md", "---\ntitle: Only\n---\n"),
                ("typed.md", "---\ntitle: 42\ntags: just-a-string\n---\n\nTyped frontmatter.\n"),
                ("long line.md", "# Long\n\n" + String(repeating: "word ", count: 200_000) + "\n"),
                ("nested \"quotes\" 'and' spaces.md", "# Nested\n\n" + (0..<200).map { String(repeating: "  ", count: $0) + "- item \($0)" }.joined(separator: "\n") + "\n"),
                ("new\nline.md", "# Newline\n\nA newline in the name.\n"),
                ("résumé 日本.md", "# Résumé\n\nNon-ASCII name.\n"),
                ("'; DROP TABLE document_chunks; --.md", "---\ntitle: \"'); DROP TABLE chunk_embeddings; --\"\n---\n\nInjection attempt.\n"),
            ]
            for (name, text) in odd { try harness.write(name, text) }
            #expect(symlink(harness.content.appendingPathComponent("loop").path, harness.content.appendingPathComponent("loop").path) == 0)
            #expect(symlink(outside.path, harness.content.appendingPathComponent("outside-link.md").path) == 0)
            try harness.write("sentinel.md", document("Sentinel", "Written last."))

            try await harness.waitForText("sentinel.md", containing: "Written last.")
            for (name, _) in bad {
                try await harness.eventually("\(name) recorded as failed") {
                    try await harness.pipeline.count(
                        "SELECT count(*) FROM ragsync_documents WHERE source_file = $1 AND last_error IS NOT NULL", [name]) == 1
                }
                #expect(harness.daemon.log.contains(name), "the log names \(name)")
            }
            for (name, _) in odd {
                try await harness.eventually("\(name) indexed or recorded") {
                    try await harness.pipeline.count(
                        "SELECT count(*) FROM ragsync_documents WHERE source_file = $1", [name]) == 1
                }
            }
            try await harness.waitForText("'; DROP TABLE document_chunks; --.md", containing: "Injection attempt.")
            try await harness.waitForText("résumé 日本.md", containing: "Non-ASCII name.")
            #expect(try await harness.storedText("good.md")?.contains("Stays indexed.") == true)
            #expect(try await harness.storedText("outside-link.md") == nil)
            #expect(try await harness.pipeline.count("SELECT count(*) FROM chunk_embeddings") > 0)
        }
    }

    @Test func secretsAppearInNoLogStatusOrOutput() async throws {
        let password = "pw-\(UUID().uuidString.prefix(8))"
        let key = "sk-secret-\(UUID().uuidString.prefix(12))"
        try await PipelineHarness.with(serverArguments: ["--api-key", "sk-the-right-one"]) { harness in
            // The same database through a role with a password the test chose.
            let role = "secret_\(UUID().uuidString.prefix(6).lowercased())"
            _ = try await harness.client.query("SELECT 1")
            try await harness.client.withConnection { connection in
                try connection.execute("CREATE ROLE \(role) LOGIN SUPERUSER PASSWORD '\(password)'")
            }
            defer { Task { try? await harness.client.withConnection { try $0.execute("DROP ROLE IF EXISTS \(role)") } } }
            let url = harness.databaseURL.replacingOccurrences(
                of: #"//[^@]*@"#, with: "//\(role):\(password)@", options: .regularExpression)
            let daemon = try DaemonProcess(environment: [
                "DATABASE_URL": url, "OPENAI_BASE_URL": harness.server.baseURL, "OPENAI_API_KEY": key,
                "RAGSYNC_CONTENT_DIR": harness.content.path, "RAGSYNC_EMBEDDING_DIMENSIONS": "256",
                "RAGSYNC_EMBEDDING_RETRIES": "0", "RAGSYNC_LOG_LEVEL": "trace", "PATH": "/usr/bin:/bin",
            ])
            try await daemon.waitUntilReady()
            try harness.write("doc.md", document("Doc", "Rejected by the server: wrong key."))
            try await daemon.waitForNotification { $0.value(of: "STATUS")?.hasPrefix("Embedding service unavailable") == true }
            daemon.send(SIGTERM)
            _ = try await daemon.waitForExit()
            let status = try await harness.client.query(
                "SELECT coalesce(string_agg(last_error, ' '), '') FROM ragsync_documents").scalar ?? ""
            for text in [daemon.log, daemon.notifications.map(\.text).joined(separator: "\n"), status] {
                #expect(!text.contains(password))
                #expect(!text.contains(key))
            }
            #expect(daemon.log.contains("401"))
        }
    }

    @Test func removedFoldersReleaseTheirWatchesAndDescriptors() async throws {
        // Removing 50 of 51 documents at once is what this test does on purpose: no deletion limit.
        try await WatchHarness.with(environment: ["RAGSYNC_MAX_DELETE": "all"]) { harness in
            let pid = harness.daemon.processIdentifier
            // Warm up first, so the embedding server's kept-alive connection is counted in the baseline.
            try harness.write("warm.md", document("Warm", "Opens the connections."))
            try await harness.waitForText("warm.md", containing: "Opens the connections.")
            let (baseWatches, baseDescriptors) = try ProcessResources.watchesAndDescriptors(of: pid)
            for index in 0..<50 { try harness.write("dir\(index)/doc.md", document("D\(index)", "In folder \(index).")) }
            try await harness.eventually("50 folders indexed") {
                try await harness.pipeline.count("SELECT count(*) FROM ragsync_documents WHERE content_hash IS NOT NULL") == 51
            }
            #expect(try ProcessResources.watchesAndDescriptors(of: pid).watches == baseWatches + 50)
            for index in 0..<50 { try harness.pipeline.remove("dir\(index)") }
            try await harness.eventually("50 folders removed") {
                try await harness.pipeline.count("SELECT count(*) FROM document_chunks WHERE source_file LIKE 'dir%'") == 0
            }
            try await harness.eventually("watches released") {
                try ProcessResources.watchesAndDescriptors(of: pid).watches == baseWatches
            }
            #expect(try ProcessResources.watchesAndDescriptors(of: pid).descriptors == baseDescriptors)
        }
    }

    @Test func memoryStaysFlatOverAThousandEdits() async throws {
        try await WatchHarness.with(files: ["doc.md": document("Doc", "Version 0.")]) { harness in
            let pid = harness.daemon.processIdentifier
            var afterWarmUp = 0
            for cycle in 1...1000 {
                try harness.write("doc.md", document("Doc", "Version \(cycle). " + SampleText.paragraph(cycle)))
                if cycle % 100 == 0 {
                    try await harness.waitForText("doc.md", containing: "Version \(cycle).")
                    if cycle == 200 { afterWarmUp = try ProcessResources.residentKilobytes(of: pid) }
                }
            }
            let end = try ProcessResources.residentKilobytes(of: pid)
            print("RSS after 200 edits: \(afterWarmUp) KiB, after 1000: \(end) KiB")
            #expect(end - afterWarmUp < 8 * 1024, "RSS grew by \(end - afterWarmUp) KiB over 800 edits")
        }
    }
}

/// Consistency checks of a store that ragsync wrote.
enum StoreInvariants {
    /// No duplicate or orphaned rows; one embedding per chunk and model; every document's chunk count agrees.
    static func check(_ client: PostgresClient, documents: Int) async throws {
        func count(_ sql: String) async throws -> Int { try await client.query(sql).scalarInt }
        #expect(try await count("SELECT count(*) FROM ragsync_documents WHERE content_hash IS NOT NULL") == documents)
        #expect(try await count(
            "SELECT count(*) FROM (SELECT source_file, chunk_index FROM document_chunks GROUP BY 1, 2 HAVING count(*) > 1) d") == 0)
        #expect(try await count(
            "SELECT count(*) FROM (SELECT chunk_id, embedding_model FROM chunk_embeddings GROUP BY 1, 2 HAVING count(*) > 1) d") == 0)
        #expect(try await count(
            "SELECT count(*) FROM document_chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.chunk_id)") == 0)
        #expect(try await count(
            "SELECT count(*) FROM document_chunks c WHERE NOT EXISTS (SELECT 1 FROM ragsync_chunks r WHERE r.chunk_id = c.chunk_id)") == 0)
        #expect(try await count(
            "SELECT count(*) FROM document_chunks c WHERE NOT EXISTS (SELECT 1 FROM ragsync_documents d WHERE d.source_file = c.source_file)") == 0)
        #expect(try await count(
            """
            SELECT count(*) FROM ragsync_documents d
            WHERE d.chunk_count <> (SELECT count(*) FROM document_chunks c WHERE c.source_file = d.source_file)
            """) == 0)
    }

    /// Everything that must match a clean index: documents, chunk texts and hashes, embedding counts per model.
    static func fingerprint(_ client: PostgresClient) async throws -> [String] {
        try await client.query(
            """
            SELECT c.source_file || '#' || c.chunk_index || ':' || r.content_hash || ':' || md5(c.content) || ':'
                   || (SELECT count(*) FROM chunk_embeddings e WHERE e.chunk_id = c.chunk_id)
            FROM document_chunks c JOIN ragsync_chunks r ON r.chunk_id = c.chunk_id
            ORDER BY c.source_file, c.chunk_index
            """
        ).rows.map { $0[0]! }
    }
}

/// What a process holds, from /proc.
enum ProcessResources {
    /// inotify watches (lines `inotify wd:` in the fdinfo of its inotify descriptors) and open descriptors.
    static func watchesAndDescriptors(of pid: Int32) throws -> (watches: Int, descriptors: Int) {
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        var watches = 0
        for descriptor in descriptors {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")) ?? ""
            guard target == "anon_inode:inotify" else { continue }
            let info = try String(contentsOfFile: "/proc/\(pid)/fdinfo/\(descriptor)", encoding: .utf8)
            watches += info.split(separator: "\n").filter { $0.hasPrefix("inotify wd:") }.count
        }
        return (watches, descriptors.count)
    }

    /// VmRSS in KiB.
    static func residentKilobytes(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}
