// ragsync — the stat cache: unchanged files are not read again, and a same-size rewrite within a second is never missed.

import Foundation
import Glibc
import Indexer
import RagsyncKit
import Synchronization
import SyncCore
import Testing

@Suite("The stat cache")
struct StatCacheTests {
    @Test func aSameSizeRewriteWithinTheSameSecondIsNeverMissed() async throws {
        try await PipelineHarness.with { harness in
            // Times cut to whole seconds, as on a file system of 1 s resolution: a rewrite within the second keeps
            // the file's size, times, inode and device, so only the racy rule can tell.
            let coarse = CountingFileSystem(wholeSeconds: true)
            let engine = try await harness.engine(fileSystem: coarse)
            let path = harness.content.appendingPathComponent("racy.md").path
            var previous: FileStamp?
            var unchangedStamps = 0
            for round in 0..<20 {
                let text = document("Racy", "Version \(round % 10) of the text, the same length each time.")
                try harness.write("racy.md", text)
                let current = try coarse.status(of: path, followingLinks: true).stamp
                if current == previous { unchangedStamps += 1 }
                previous = current
                let summary = try await engine.reconcile()
                // Within the same second as the write, or not: the store must hold what is on disk.
                let stored = try await harness.client.query(
                    "SELECT content_hash FROM ragsync_documents WHERE source_file = 'racy.md'").scalar
                #expect(stored == ContentHash(of: Array(text.utf8)).hex, "round \(round): \(summary.lines)")
            }
            // The racy case did happen: new bytes under the stamp the previous version had.
            #expect(unchangedStamps > 0)
        }
    }

    @Test func aSettledFileIsNotReadAgainUntilItsStampChanges() async throws {
        try await PipelineHarness.with { harness in
            for index in 0..<10 { try harness.write("d\(index).md", document("D\(index)", "Body \(index).")) }
            let files = CountingFileSystem(wholeSeconds: false)
            var engine = try await harness.engine(fileSystem: files)
            // The pass begins well after the files were written (as a later pass does), so their stamps are settled.
            let later = RealTime.nanoseconds() + 10_000_000_000
            engine.wallClock = { later }
            let first = try await engine.reconcile()
            #expect(first.indexed == 10 && first.read == 10)
            let second = try await engine.reconcile()
            #expect(second.unchanged == 10 && second.read == 0, "\(second.lines)")
            #expect(files.reads == 10)

            // Same size, and the modification time put back: the change time still moves, so the file is read.
            let path = harness.content.appendingPathComponent("d3.md").path
            let modified = try stamp(of: path).modified
            try harness.write("d3.md", document("D3", "Body X."))
            let old = timespec(tv_sec: Int(modified / 1_000_000_000), tv_nsec: Int(modified % 1_000_000_000))
            var times = [old, old]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
            engine.wallClock = { RealTime.nanoseconds() + 10_000_000_000 }
            let third = try await engine.reconcile()
            #expect(third.indexed == 1 && third.read == 1, "\(third.lines)")
            // With the cache off (a network file system), every file is read.
            engine.usesStatCache = false
            #expect(try await engine.reconcile().read == 10)
        }
    }


    private func stamp(of path: String) throws -> FileStamp {
        try #require(try GlibcFileSystem().status(of: path, followingLinks: true).stamp)
    }
}

/// The real file system, counting reads, with times optionally cut to whole seconds.
private final class CountingFileSystem: FileSystem {
    private let real = GlibcFileSystem()
    private let wholeSeconds: Bool
    private let readCount = Mutex(0)

    init(wholeSeconds: Bool) { self.wholeSeconds = wholeSeconds }

    var reads: Int { readCount.withLock { $0 } }

    func canonicalPath(_ path: String) -> String? { real.canonicalPath(path) }

    func status(of path: String, followingLinks: Bool) throws(FileSystemError) -> FileStatus {
        var status = try real.status(of: path, followingLinks: followingLinks)
        if wholeSeconds, var stamp = status.stamp {
            stamp.modified -= stamp.modified % 1_000_000_000
            stamp.changed -= stamp.changed % 1_000_000_000
            status.stamp = stamp
        }
        return status
    }

    func entries(of folder: String) throws(FileSystemError) -> [DirectoryEntry] { try real.entries(of: folder) }

    func contents(of path: String, maxBytes: Int) throws(ContentReadError) -> [UInt8] {
        readCount.withLock { $0 += 1 }
        return try real.contents(of: path, maxBytes: maxBytes)
    }
}
