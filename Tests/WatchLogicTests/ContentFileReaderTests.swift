// ragsync — ContentFileReader: a file gone between its event and its read is an absence, not a failure.

import Foundation
import RagsyncKit
import Testing

@Suite("Reading a document")
struct ContentFileReaderTests {
    @Test func aFileGoneBeforeItsReadIsReportedAsVanishedNotUnreadable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let reader = ContentFileReader(maxBytes: 1024)
        for path in ["missing.md", "moved-folder/inner.md"] {
            #expect(throws: ContentReadError.self) { try reader.read(folder.appendingPathComponent(path).path) }
            do {
                _ = try reader.read(folder.appendingPathComponent(path).path)
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
            _ = try ContentFileReader(maxBytes: 1024).read(folder.path)
            Issue.record("a folder was read as a document")
        } catch {
            #expect(error.reason == .unreadable("not a regular file"))
        }
    }
}
