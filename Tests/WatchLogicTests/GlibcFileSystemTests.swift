// ragsync — GlibcFileSystem: a file gone between its event and its read is an absence, not a failure.

import Foundation
import RagsyncKit
import SyncCore
import Testing

@Suite("Reading a document")
struct GlibcFileSystemTests {
    @Test func aFileGoneBeforeItsReadIsReportedAsVanishedNotUnreadable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fileSystem = GlibcFileSystem()
        for path in ["missing.md", "moved-folder/inner.md"] {
            #expect(throws: ContentReadError.self) { try fileSystem.contents(of: folder.appendingPathComponent(path).path, maxBytes: 1024) }
            do {
                _ = try fileSystem.contents(of: folder.appendingPathComponent(path).path, maxBytes: 1024)
            } catch {
                #expect(error.reason == .vanished)
            }
        }
    }

    @Test func aFoldersEntriesComeWithWhatLstatSaysOfEachPath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-list-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inner"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("# One\n".utf8).write(to: folder.appendingPathComponent("one.md"))
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.md").path, withDestinationPath: "one.md")
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("dangling.md").path, withDestinationPath: "gone.md")
        let fileSystem = GlibcFileSystem()

        let listed = try fileSystem.entriesWithStatus(of: folder.path)
        #expect(Set(listed.map { String(decoding: $0.entry.name, as: UTF8.self) }) == ["inner", "one.md", "link.md", "dangling.md"])
        #expect(listed.map(\.entry) == (try fileSystem.entries(of: folder.path)))
        for (entry, status) in listed {
            let path = folder.path + "/" + String(decoding: entry.name, as: UTF8.self)
            #expect(status == (try fileSystem.status(of: path, followingLinks: false)), "\(path)")
        }
    }

    @Test func aFolderReadAsAFileIsUnreadable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try GlibcFileSystem().contents(of: folder.path, maxBytes: 1024)
            Issue.record("a folder was read as a document")
        } catch {
            #expect(error.reason == .unreadable("not a regular file"))
        }
    }

    @Test func aFileSwappedForALinkAfterTheWalkIsNotFollowed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let secret = folder.appendingPathComponent("outside-secret.txt")
        try Data("not for the index".utf8).write(to: secret)
        let document = folder.appendingPathComponent("notes.md")
        try FileManager.default.createSymbolicLink(at: document, withDestinationURL: secret)
        do {
            _ = try GlibcFileSystem().contents(of: document.path, maxBytes: 1024)
            Issue.record("a link was followed")
        } catch {
            #expect(error.reason == .unreadable("the file was replaced by a symbolic link"))
        }
    }
}
