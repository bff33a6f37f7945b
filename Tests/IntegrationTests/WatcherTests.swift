// ragsync — the daemon follows real file-system changes: saves, atomic saves, moves, deletions, new folders.

import Foundation
import Glibc
import RagsyncTestSupport
import Testing

@Suite("ragsync watch follows the content directory")
struct WatcherTests {
    @Test func startingIndexesWhatIsAlreadyThere() async throws {
        try await WatchHarness.with(files: ["a.md": document("A", "Alpha text.")]) { harness in
            let text = try await harness.storedText("a.md")
            #expect(text?.contains("Alpha text.") == true)
        }
    }

    @Test func aNewFileIsIndexed() async throws {
        try await WatchHarness.with { harness in
            try harness.write("new.md", document("New", "Freshly written."))
            try await harness.waitForText("new.md", containing: "Freshly written.")
        }
    }

    @Test func anEditReplacesTheDocument() async throws {
        try await WatchHarness.with(files: ["a.md": document("A", "First version.")]) { harness in
            try harness.write("a.md", document("A", "Second version."))
            try await harness.waitForText("a.md", containing: "Second version.")
            let text = try await harness.storedText("a.md")
            #expect(text?.contains("First version.") == false)
        }
    }

    @Test func anAtomicSaveThroughATemporaryFileIsIndexed() async throws {
        try await WatchHarness.with(files: ["a.md": document("A", "Before the save.")]) { harness in
            // What editors do: write a hidden temporary, then rename it over the document.
            let temporary = harness.content.appendingPathComponent(".a.md.swp")
            try Data(document("A", "After the atomic save.").utf8).write(to: temporary)
            #expect(rename(temporary.path, harness.content.appendingPathComponent("a.md").path) == 0)
            try await harness.waitForText("a.md", containing: "After the atomic save.")
            let stored = try await harness.sourceFiles()
            #expect(stored == ["a.md"])
        }
    }

    @Test func vimStyleBackupRenameThenWriteKeepsTheDocument() async throws {
        try await WatchHarness.with(files: ["a.md": document("A", "Vim before.")]) { harness in
            // vim with backupcopy=no: move the original to a backup, write a new file, delete the backup.
            try harness.pipeline.move("a.md", "a.md~")
            try harness.write("4913", "")
            try harness.pipeline.remove("4913")
            try harness.write("a.md", document("A", "Vim after."))
            try harness.pipeline.remove("a.md~")
            try await harness.waitForText("a.md", containing: "Vim after.")
            let stored = try await harness.sourceFiles()
            #expect(stored == ["a.md"])
        }
    }

    /// `:w` with nothing changed: the backup move must not delete the document (and its embeddings) before the
    /// new file is written, so the chunk keeps its id and nothing is embedded.
    @Test func vimStyleSaveOfUnchangedTextKeepsChunkIdsAndEmbedsNothing() async throws {
        let text = document("A", "Saved again unchanged.")
        try await WatchHarness.with(files: ["a.md": text, "b.md": document("B", "Marker.")]) { harness in
            let before = try await harness.pipeline.chunkIds("a.md")
            try await harness.server.reset()
            try harness.pipeline.move("a.md", "a.md~")
            try harness.write("a.md", text)
            try harness.pipeline.remove("a.md~")
            // A later change to another file, processed after a.md's events: when it is in, a.md's are too.
            try harness.write("b.md", document("B", "Marker moved on."))
            try await harness.waitForText("b.md", containing: "Marker moved on.")
            #expect(try await harness.pipeline.chunkIds("a.md") == before)
            #expect(try await harness.server.stats().inputs == 1, "only b.md's changed chunk")
        }
    }

    @Test func aRenameKeepsChunksAndEmbedsNothing() async throws {
        try await WatchHarness.with(files: ["old.md": document("Doc", "Renamed content.")]) { harness in
            let before = try await harness.pipeline.chunkIds("old.md")
            try await harness.server.reset()
            try harness.pipeline.move("old.md", "new.md")
            try await harness.waitForText("new.md", containing: "Renamed content.")
            try await harness.waitForRemoval("old.md")
            let idsAfter = try await harness.pipeline.chunkIds("new.md")
            #expect(idsAfter == before)
            let stats = try await harness.server.stats()
            #expect(stats.requests == 0)
        }
    }

    @Test func movingAFileOutOfTheTreeRemovesIt() async throws {
        try await WatchHarness.with(files: ["a.md": document("A", "Leaving.")]) { harness in
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString).md")
            defer { try? FileManager.default.removeItem(at: outside) }
            try FileManager.default.moveItem(at: harness.content.appendingPathComponent("a.md"), to: outside)
            try await harness.waitForRemoval("a.md")
        }
    }

    @Test func movingAFileIntoTheTreeIndexesIt() async throws {
        try await WatchHarness.with { harness in
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("incoming-\(UUID().uuidString).md")
            try Data(document("In", "Arrived from outside.").utf8).write(to: outside)
            try FileManager.default.moveItem(at: outside, to: harness.content.appendingPathComponent("in.md"))
            try await harness.waitForText("in.md", containing: "Arrived from outside.")
        }
    }

    @Test func deletingAFileRemovesIt() async throws {
        try await WatchHarness.with(files: ["a.md": document("A", "Doomed."), "b.md": document("B", "Stays.")]) {
            harness in
            try harness.pipeline.remove("a.md")
            try await harness.waitForRemoval("a.md")
            let stored = try await harness.sourceFiles()
            #expect(stored == ["b.md"])
        }
    }

    @Test func nestedFoldersCreatedAtOnceAreWatchedAndScanned() async throws {
        try await WatchHarness.with { harness in
            // mkdir -p followed at once by files: some land before their folder's watch exists.
            let deep = harness.content.appendingPathComponent("x/y/z")
            try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
            try harness.write("x/top.md", document("Top", "Top level."))
            try harness.write("x/y/z/deep.md", document("Deep", "Deep level."))
            try await harness.waitForText("x/y/z/deep.md", containing: "Deep level.")
            try await harness.waitForText("x/top.md", containing: "Top level.")
            // The new folders are watched: a later edit deep down is seen.
            try harness.write("x/y/z/later.md", document("Later", "Written after the scan."))
            try await harness.waitForText("x/y/z/later.md", containing: "Written after the scan.")
        }
    }

    @Test func aFolderMovedOutRemovesItsDocumentsAndOneMovedInIsIndexed() async throws {
        try await WatchHarness.with(files: ["dir/a.md": document("A", "In a folder.")]) { harness in
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("dir-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: outside) }
            try FileManager.default.moveItem(at: harness.content.appendingPathComponent("dir"), to: outside)
            try await harness.waitForRemoval("dir/a.md")
            try FileManager.default.moveItem(at: outside, to: harness.content.appendingPathComponent("back"))
            try await harness.waitForText("back/a.md", containing: "In a folder.")
            // The moved-in folder is watched.
            try harness.write("back/b.md", document("B", "Written in the moved folder."))
            try await harness.waitForText("back/b.md", containing: "Written in the moved folder.")
        }
    }

    @Test func renamingAFolderRepointsItsDocuments() async throws {
        try await WatchHarness.with(files: ["before/a.md": document("A", "Folder rename.")]) { harness in
            let ids = try await harness.pipeline.chunkIds("before/a.md")
            try harness.pipeline.move("before", "after")
            try await harness.waitForText("after/a.md", containing: "Folder rename.")
            try await harness.waitForRemoval("before/a.md")
            let idsAfter = try await harness.pipeline.chunkIds("after/a.md")
            #expect(idsAfter == ids)
            try harness.write("after/b.md", document("B", "After the folder rename."))
            try await harness.waitForText("after/b.md", containing: "After the folder rename.")
        }
    }

    @Test func aBurstOfAThousandWritesIndexesEachDocumentOnce() async throws {
        try await WatchHarness.with { harness in
            try await harness.server.reset()
            for index in 0..<1000 {
                try harness.write("burst/doc\(index).md", document("Doc \(index)", "Burst document number \(index)."))
            }
            try await harness.eventually("1000 burst documents indexed", timeout: .seconds(60)) {
                try await harness.pipeline.count("SELECT count(DISTINCT source_file) FROM document_chunks") == 1000
            }
            // Each document has one chunk with distinct text: 1000 inputs means none was embedded twice.
            let stats = try await harness.server.stats()
            #expect(stats.inputs == 1000)
        }
    }

    @Test func editorTemporariesAndOtherFilesAreIgnored() async throws {
        try await WatchHarness.with { harness in
            try harness.write(".hidden.md", document("Hidden", "Hidden."))
            try harness.write("notes.md~", document("Backup", "Backup."))
            try harness.write("#notes.md#", document("Autosave", "Autosave."))
            try harness.write("notes.txt", "plain text")
            try harness.write(".git/HEAD.md", document("Git", "Git internals."))
            // A sentinel written last: once it is indexed, the files before it were seen too.
            try harness.write("sentinel.md", document("Sentinel", "Sentinel."))
            try await harness.waitForText("sentinel.md", containing: "Sentinel.")
            let stored = try await harness.sourceFiles()
            #expect(stored == ["sentinel.md"])
        }
    }

    @Test func aFileNameThatIsNotUTF8IsReportedAndSkipped() async throws {
        try await WatchHarness.with { harness in
            let name: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".md".utf8)
            let path = Array(harness.content.path.utf8) + [UInt8(ascii: "/")] + name + [0]
            let descriptor = path.withUnsafeBufferPointer {
                open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644)
            }
            #expect(descriptor >= 0)
            close(descriptor)
            try await harness.daemon.waitForLog("caf\\xe9.md: the file name is not valid UTF-8")
            try harness.write("sentinel.md", document("Sentinel", "Still working."))
            try await harness.waitForText("sentinel.md", containing: "Still working.")
            let stored = try await harness.sourceFiles()
            #expect(stored == ["sentinel.md"])
        }
    }
}
