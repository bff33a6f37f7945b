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
