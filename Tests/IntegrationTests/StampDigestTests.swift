// ragsync — a full pass with nothing changed compares one digest of every path and stamp, and misses no change.

import Foundation
import Glibc
import Indexer
import RagsyncKit
import RagsyncTestSupport
import SyncCore
import Testing

@Suite("The stamp digest")
struct StampDigestTests {
    /// Pieces of file and folder names: ASCII, a colon and a newline (which the digest's format must survive), and
    /// characters whose UTF-8 byte order differs from the order Swift gives strings (é precomposed and decomposed).
    private static let namePieces = [
        "a", "B", "z", "0", "9", " ", "-", "_", ":", "\n", "\u{E9}", "e\u{301}", "\u{3A9}", "\u{4E2D}", "\u{1F600}",
        "a\u{308}", "\u{E4}",
    ]

    @Test func theStoreComputesTheWalksDigestWhateverTheFileNames() async throws {
        for seed in SeededGenerator.seeds(default: [1, 2, 3]) {
            try await PipelineHarness.with { harness in
                var random = SeededGenerator(seed: seed)
                var written = Set<String>()
                for index in 0..<24 {
                    let folder = random.next() % 3 == 0 ? Self.name(&random) + "/" : ""
                    let path = folder + Self.name(&random) + ".md"
                    guard written.insert(path).inserted else { continue }
                    try Self.write(harness.content.path + "/" + path, document("Doc \(index)", "Body number \(index)."))
                }
                var engine = try await harness.engine()
                let later = RealTime.nanoseconds() + 10_000_000_000
                engine.wallClock = { later }
                let first = try await engine.reconcile()
                #expect(first.indexed == written.count && first.failed == 0, "seed \(seed): \(first.lines)")

                let walked = try ContentScanner(root: harness.content.path, fileSystem: GlibcFileSystem()).scan().entries
                let onDisk = try #require(StampDigest(of: walked, settledAt: later))
                let recorded = try await harness.store().recordedStampDigest(chunking: engine.chunker.signature)
                #expect(recorded == onDisk.hex, "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed)): \(written.sorted())")
                let second = try await engine.reconcile()
                #expect(second.matchedStampDigest && second.unchanged == written.count, "seed \(seed): \(second.lines)")
            }
        }
    }

    @Test func aPassWithNothingChangedReadsNoRecordAndEveryChangeIsStillFound() async throws {
        try await PipelineHarness.with { harness in
            for index in 0..<8 { try harness.write("d\(index).md", document("D\(index)", "Body \(index).")) }
            var engine = try await harness.engine()
            // Each pass begins well after the files were written (as a later pass does), so their stamps are settled.
            engine.wallClock = { RealTime.nanoseconds() + 10_000_000_000 }
            #expect(try await engine.reconcile().indexed == 8)
            // Each record was written once, its stamp with it: none was updated after its chunks' transaction.
            #expect(try await harness.count("SELECT count(*) FROM ragsync_documents WHERE file_stamp IS NULL") == 0)
            #expect(
                try await harness.count(
                    """
                    SELECT count(*) FROM ragsync_documents d
                    WHERE d.xmin::text <> (SELECT c.xmin::text FROM document_chunks c WHERE c.source_file = d.source_file LIMIT 1)
                    """) == 0)

            /// One pass after `change`, which must not match the digest, then one that must.
            func expectFound(
                _ what: String, _ change: () async throws -> Void, _ check: (SyncSummary) -> Bool
            ) async throws {
                try await change()
                let found = try await engine.reconcile()
                #expect(!found.matchedStampDigest && check(found), "\(what): \(found.lines)")
                let settled = try await engine.reconcile()
                #expect(settled.matchedStampDigest && !settled.changedAnything, "after \(what): \(settled.lines)")
            }
            let settled = try await engine.reconcile()
            #expect(settled.matchedStampDigest && settled.unchanged == 8 && settled.read == 0, "\(settled.lines)")

            try await expectFound("an edit", { try harness.write("d1.md", document("D1", "Edited.")) }) {
                $0.indexed == 1
            }
            try await expectFound("a new file", { try harness.write("new.md", document("New", "New body.")) }) {
                $0.indexed == 1
            }
            try await expectFound("a removed file", { try harness.remove("d2.md") }) { $0.removed == 1 }
            try await expectFound("a rename", { try harness.move("d3.md", "moved.md") }) { $0.renamed == 1 }
            try await expectFound(
                "a record deleted by hand",
                { _ = try await harness.client.query("DELETE FROM ragsync_documents WHERE source_file = 'd4.md'") }
            ) { $0.indexed == 1 }
            try await expectFound(
                "a stamp edited by hand",
                { _ = try await harness.client.query("UPDATE ragsync_documents SET file_stamp = '1:2:3:4:5' WHERE source_file = 'd5.md'") }
            ) { $0.read == 1 && !$0.changedAnything }
            try await expectFound(
                "chunk rows edited by another writer",
                { _ = try await harness.client.query("UPDATE document_chunks SET content = 'hand edit' WHERE source_file = 'd6.md'") }
            ) { $0.repaired == 1 }

            // A file that fails for good keeps every pass from matching, and each says so.
            try harness.write("bad.md", "---\ntitle: [unclosed\n---\n# Bad\n\nThe bad version.\n")
            for _ in 0..<2 {
                let failing = try await engine.reconcile()
                #expect(!failing.matchedStampDigest && failing.failed == 1, "\(failing.lines)")
            }
            try harness.remove("bad.md")
            #expect(!(try await engine.reconcile()).matchedStampDigest)
            #expect(try await engine.reconcile().matchedStampDigest)

            // A file written within the timestamp's resolution of the pass (not settled) is looked at on its own.
            engine.wallClock = { RealTime.nanoseconds() }
            try harness.write("d7.md", document("D7", "Rewritten just now."))
            let racy = try await engine.reconcile()
            #expect(!racy.matchedStampDigest && racy.indexed == 1, "\(racy.lines)")
        }
    }

    @Test func afterAnyRandomChangeThePassFindsItAndTheNextPassMatchesTheDigest() async throws {
        for seed in SeededGenerator.seeds(default: [5, 6]) {
            try await PipelineHarness.with { harness in
                var random = SeededGenerator(seed: seed)
                let replay = "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed))"
                // Stamps whose times follow the bytes: every write changes them, however fast the steps follow.
                let engine = try await harness.engine(fileSystem: ContentTimedFileSystem())
                var files: [String: String] = [:]  // path → text, good documents on disk
                var bad: Set<String> = []
                var counter = 0
                func text(_ version: Int) -> String {
                    // Same-size versions are frequent: the digest must not rely on the size.
                    document("Doc", "Version \(version % 7) of a body of fixed length.")
                }
                for step in 0..<60 {
                    let operation = random.next() % 9
                    let existing = files.keys.sorted()
                    let picked = existing.isEmpty ? nil : existing[Int(random.next() % UInt64(existing.count))]
                    var what = ""
                    switch (operation, picked) {
                    case (0, _), (_, nil):
                        counter += 1
                        let path = (random.next() % 2 == 0 ? "f\(counter % 3)/" : "") + "n\(counter).md"
                        files[path] = text(counter)
                        try harness.write(path, files[path] ?? "")
                        what = "create \(path)"
                    case (1, let path?):
                        counter += 1
                        files[path] = text(counter)
                        try harness.write(path, files[path] ?? "")
                        what = "edit \(path)"
                    case (2, let path?):
                        files[path] = nil
                        try harness.remove(path)
                        what = "delete \(path)"
                    case (3, let path?):
                        counter += 1
                        let target = "r\(counter).md"
                        files[target] = files.removeValue(forKey: path)
                        try harness.move(path, target)
                        what = "rename \(path) to \(target)"
                    case (4, let path?):
                        _ = try await harness.client.query("DELETE FROM ragsync_documents WHERE source_file = $1", [path])
                        what = "record of \(path) deleted by hand"
                    case (5, let path?):
                        _ = try await harness.client.query(
                            "UPDATE ragsync_documents SET file_stamp = '1:2:3:4:5' WHERE source_file = $1", [path])
                        what = "stamp of \(path) edited by hand"
                    case (6, let path?):
                        _ = try await harness.client.query(
                            "UPDATE document_chunks SET content = 'hand edit' WHERE source_file = $1", [path])
                        what = "chunks of \(path) edited by hand"
                    case (7, _):
                        counter += 1
                        let path = "bad\(counter).md"
                        bad.insert(path)
                        try harness.write(path, "---\ntitle: [unclosed \(counter)\n---\n# Bad\n")
                        what = "create failing \(path)"
                    default:
                        guard let path = bad.sorted().first else { continue }
                        bad.remove(path)
                        try harness.remove(path)
                        what = "delete failing \(path)"
                    }
                    let context = "\(replay), step \(step): \(what)"
                    let found = try await engine.reconcile()
                    #expect(found.failed == bad.count, "\(context): \(found.lines)")
                    let stored = try await harness.client.query(
                        "SELECT source_file, content_hash FROM ragsync_documents WHERE content_hash IS NOT NULL")
                    let storedHashes = Dictionary(
                        stored.rows.compactMap { row in row[0].flatMap { path in row[1].map { (path, $0) } } },
                        uniquingKeysWith: { first, _ in first })
                    #expect(storedHashes == files.mapValues { ContentHash(of: Array($0.utf8)).hex }, "\(context): store differs from disk")
                    #expect(
                        try await harness.count("SELECT count(*) FROM document_chunks WHERE content = 'hand edit'") == 0,
                        "\(context): a hand edit was left")
                    let again = try await engine.reconcile()
                    #expect(!again.changedAnything && again.repaired == 0, "\(context): \(again.lines)")
                    if bad.isEmpty, !files.isEmpty {
                        #expect(again.matchedStampDigest, "\(context): the pass after it compared the records")
                    }
                }
            }
        }
    }

    /// A name of one to six pieces that the walk does not ignore (it starts with a letter).
    private static func name(_ random: inout SeededGenerator) -> String {
        var name = ["x", "\u{E9}", "e\u{301}", "Q"][Int(random.next() % 4)]
        for _ in 0..<(random.next() % 6) { name += namePieces[Int(random.next() % UInt64(namePieces.count))] }
        return name
    }

    /// Writes the file at exactly these bytes of path (Foundation might normalise the name).
    private static func write(_ path: String, _ text: String) throws {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if mkdir(folder, 0o755) != 0, errno != EEXIST { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count else { throw POSIXError(.EIO) }
    }

}

/// The real file system, with each file's times derived from its bytes and lying years in the past: a stamp changes
/// exactly when the bytes do, however fast a test writes, and is always settled. The racy rule itself is proven
/// against real times in StatCacheTests.
private struct ContentTimedFileSystem: FileSystem {
    private let real = GlibcFileSystem()

    func canonicalPath(_ path: String) -> String? { real.canonicalPath(path) }

    func status(of path: String, followingLinks: Bool) throws(FileSystemError) -> FileStatus {
        var status = try real.status(of: path, followingLinks: followingLinks)
        if status.kind == .regular, var stamp = status.stamp, let bytes = try? real.contents(of: path, maxBytes: 1 << 20) {
            let digest = ContentHash(of: bytes).hex
            let offset = Int64(digest.prefix(12), radix: 16) ?? 0
            stamp.modified = 1_600_000_000_000_000_000 + offset
            stamp.changed = stamp.modified
            status.stamp = stamp
        }
        return status
    }

    func entries(of folder: String) throws(FileSystemError) -> [DirectoryEntry] { try real.entries(of: folder) }

    func contents(of path: String, maxBytes: Int) throws(ContentReadError) -> [UInt8] {
        try real.contents(of: path, maxBytes: maxBytes)
    }
}
