// ragsync — InotifyReaderTests: the inotify wrapper against the real kernel on temporary directories.

import Foundation
import Glibc
import Inotify
import Testing

@Suite("Inotify reader on a real directory")
struct InotifyReaderTests {
    /// A fresh directory, removed afterwards.
    private func withDirectory(_ body: (String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inotify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(path)
    }

    /// Reads batches until `predicate` holds for the events collected, or 60 s pass (a loaded machine is slow).
    private func collect(
        _ reader: InotifyReader, until predicate: ([InotifyEvent]) -> Bool
    ) async throws -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while !predicate(events), ContinuousClock.now < deadline {
            events += try await reader.nextBatch(timeout: .milliseconds(200))
        }
        return events
    }

    @Test func writingAFileReportsCloseWriteWithItsName() async throws {
        try await withDirectory { directory in
            let descriptor = try InotifyDescriptor()
            let watch = try descriptor.addWatch(directory)
            let reader = try InotifyReader(descriptor: descriptor)
            try Data("hello".utf8).write(to: URL(fileURLWithPath: directory + "/note.md"))
            let events = try await collect(reader) { $0.contains { $0.mask.contains(.closedAfterWriting) } }
            let close = try #require(events.first { $0.mask.contains(.closedAfterWriting) })
            #expect(close.watch == watch)
            #expect(close.nameString == "note.md")
            #expect(events.contains { $0.mask.contains(.created) && $0.nameString == "note.md" })
        }
    }

    @Test func renameInsideAWatchedDirectoryPairsByCookie() async throws {
        try await withDirectory { directory in
            _ = FileManager.default.createFile(atPath: directory + "/a.md", contents: Data("a".utf8))
            let descriptor = try InotifyDescriptor()
            _ = try descriptor.addWatch(directory)
            let reader = try InotifyReader(descriptor: descriptor)
            #expect(rename(directory + "/a.md", directory + "/b.md") == 0)
            let events = try await collect(reader) { $0.contains { $0.mask.contains(.movedTo) } }
            let from = try #require(events.first { $0.mask.contains(.movedFrom) })
            let to = try #require(events.first { $0.mask.contains(.movedTo) })
            #expect(from.nameString == "a.md")
            #expect(to.nameString == "b.md")
            #expect(from.cookie != 0)
            #expect(from.cookie == to.cookie)
        }
    }

    @Test func aBurstOfWritesIsReadInFewBatches() async throws {
        try await withDirectory { directory in
            let descriptor = try InotifyDescriptor()
            _ = try descriptor.addWatch(directory)
            let reader = try InotifyReader(descriptor: descriptor)
            for index in 0..<1000 {
                _ = FileManager.default.createFile(atPath: directory + "/f\(index).md", contents: Data("x".utf8))
            }
            var batches = 0
            var closed = 0
            let deadline = ContinuousClock.now + .seconds(60)
            while closed < 1000, ContinuousClock.now < deadline {
                let batch = try await reader.nextBatch(timeout: .milliseconds(200))
                if !batch.isEmpty { batches += 1 }
                closed += batch.filter { $0.mask.contains(.closedAfterWriting) }.count
            }
            #expect(closed == 1000)
            // Every event was queued before the first read, so a drain returns them all: one batch on a quiet machine
            // (two were seen under heavy load), never one per event.
            #expect(batches <= 3)
        }
    }

    @Test func deletingTheWatchedDirectoryReportsDeleteSelfThenIgnored() async throws {
        try await withDirectory { directory in
            let watched = directory + "/sub"
            try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: false)
            let descriptor = try InotifyDescriptor()
            let watch = try descriptor.addWatch(watched)
            let reader = try InotifyReader(descriptor: descriptor)
            #expect(rmdir(watched) == 0)
            let events = try await collect(reader) { $0.contains { $0.mask.contains(.ignored) } }
            #expect(events.contains { $0.watch == watch && $0.mask.contains(.watchedDeleted) })
            #expect(events.contains { $0.watch == watch && $0.mask.contains(.ignored) })
        }
    }

    @Test func nonUTF8NamesKeepTheirBytes() async throws {
        try await withDirectory { directory in
            let descriptor = try InotifyDescriptor()
            _ = try descriptor.addWatch(directory)
            let reader = try InotifyReader(descriptor: descriptor)
            let name: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".md".utf8)
            let path = Array(directory.utf8) + [UInt8(ascii: "/")] + name + [0]
            let file = path.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
            #expect(file >= 0)
            close(file)
            let events = try await collect(reader) { $0.contains { $0.mask.contains(.closedAfterWriting) } }
            let close = try #require(events.first { $0.mask.contains(.closedAfterWriting) })
            #expect(close.name == name)
            #expect(close.nameString == nil)
            #expect(close.displayName == "caf\\xe9.md")
        }
    }

    @Test func wakeInterruptsAWaitingRead() async throws {
        try await withDirectory { directory in
            let descriptor = try InotifyDescriptor()
            _ = try descriptor.addWatch(directory)
            let reader = try InotifyReader(descriptor: descriptor)
            reader.wake()
            let started = ContinuousClock.now
            // A long timeout: only a missed wake-up waits it out; a busy machine (the model tests keep both cores
            // busy) delays the return by seconds, not minutes.
            let events = try await reader.nextBatch(timeout: .seconds(300))
            #expect(events.isEmpty)
            #expect(ContinuousClock.now - started < .seconds(120))
        }
    }

    @Test func watchingAMissingDirectoryNamesIt() throws {
        let descriptor = try InotifyDescriptor()
        let error = #expect(throws: InotifyError.self) { try descriptor.addWatch("/nonexistent/ragsync-dir") }
        #expect(error?.errno == ENOENT)
        #expect(error?.description.contains("/nonexistent/ragsync-dir") == true)
    }

    @Test func watchingAFileIsRefused() async throws {
        try await withDirectory { directory in
            _ = FileManager.default.createFile(atPath: directory + "/plain.md", contents: Data())
            let descriptor = try InotifyDescriptor()
            let error = #expect(throws: InotifyError.self) { try descriptor.addWatch(directory + "/plain.md") }
            #expect(error?.errno == ENOTDIR)
        }
    }

    @Test func theWatchLimitErrorNamesTheSysctl() {
        let error = InotifyError(operation: "inotify_add_watch", path: "/srv/content/a", errno: ENOSPC)
        #expect(error.isLimitReached)
        #expect(error.description.contains("fs.inotify.max_user_watches"))
        #expect(error.description.contains("/srv/content/a"))
    }

    @Test func limitsAreReadFromProc() {
        let limits = InotifyLimits.current()
        #expect((limits.maxUserWatches ?? 0) > 0)
        #expect((limits.maxQueuedEvents ?? 0) > 0)
    }
}
