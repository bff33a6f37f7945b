// ragsync — a seeded random workload of file operations and watcher-shaped scopes against the real store.
//
// Each step changes the tree the way people and tools do (create, edit, atomic save, truncate, rename, folder moves
// in, out and into each other, rm -r), then reconciles a scope shaped like a watcher's batch: the files themselves,
// their folders, a folder together with a folder inside it, or everything. After every pass the store must equal
// the disk, every chunk must have its embedding, and only chunks the store did not hold may have been embedded.
// About half the passes hold two vectors at most, so their larger documents go through staged vectors, and a third
// cut batches at 1 byte (a file alone, written with nothing else in flight) or at 2 KB.
// A failure prints its seed; RAGSYNC_SIM_SEED=N replays it.

import Foundation
import Glibc
import Indexer
import RagsyncKit
import SyncCore
import RagsyncTestSupport
import Testing

@Suite("Sync under a randomized workload")
struct RandomizedSyncTests {
    @Test(arguments: SeededGenerator.seeds(default: [101, 202]))
    func theStoreEqualsTheDiskAfterEveryPassAndNothingIsEmbeddedTwice(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        try await PipelineHarness.with { harness in
            let outside = harness.content.deletingLastPathComponent()
                .appendingPathComponent("ragsync-outside-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: outside) }
            var workload = Workload(content: harness.content, outside: outside)
            _ = try await harness.takeStats()
            for step in 0..<150 {
                let touched = try workload.step(&random)
                if ProcessInfo.processInfo.environment["RAGSYNC_SIM_TRACE"] != nil { print("step \(step): \(touched)") }
                let scope = Workload.scope(covering: touched, &random)
                let before = try await storedChunkHashes(harness)
                // rm -r of most of a small tree is part of the workload, not a mistake to refuse. Every other pass or so
                // holds two vectors at most, so a document of three chunks is staged.
                var environment = ["RAGSYNC_MAX_DELETE": "all"]
                if random.next() % 2 == 0 { environment["RAGSYNC_MAX_HELD_VECTOR_BYTES"] = "\(2 * 256 * 4)" }
                // Batches of at most 1 byte (every file alone, none in flight beside it), 2 KB (a mix), or 1 MB.
                let bytesPerBatch = [1, 2048, nil].randomElement(using: &random) ?? nil
                let summary = try await harness.sync(scope: scope, environment: environment, bytesPerBatch: bytesPerBatch)
                let embedded = try await harness.takeStats().inputs
                let after = try await storedChunkHashes(harness)
                let context = "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed)), step \(step), \(touched.description)"
                #expect(summary.failed == 0, "\(context): \(summary.failures)")
                #expect(try await storedDocuments(harness) == workload.diskFingerprint(), "\(context): store differs from disk")
                let missingVectors = try await harness.count(
                    "SELECT count(*) FROM document_chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.chunk_id)")
                #expect(missingVectors == 0, "\(context): chunks without an embedding")
                #expect(embedded <= after.subtracting(before).count, "\(context): embedded \(embedded) inputs for \(after.subtracting(before).count) new chunk hashes")
                #expect(try await harness.count("SELECT count(*) FROM ragsync_staged_embeddings") == 0, "\(context): staged vectors left")
            }
        }
    }

    private func storedDocuments(_ harness: PipelineHarness) async throws -> [String: String] {
        let rows = try await harness.client.query(
            "SELECT source_file, content_hash FROM ragsync_documents WHERE content_hash IS NOT NULL")
        var documents: [String: String] = [:]
        for row in rows.rows {
            if let path = row.first ?? nil, row.count > 1, let hash = row[1] { documents[path] = hash }
        }
        return documents
    }

    private func storedChunkHashes(_ harness: PipelineHarness) async throws -> Set<String> {
        // Document outlines are embedded like chunks, under hashes of their own.
        Set(try await harness.client.query(
            "SELECT content_hash FROM ragsync_chunks UNION SELECT outline_hash FROM ragsync_outline_embeddings"
        ).rows.compactMap { $0.first ?? nil })
    }
}

/// The file operations of the workload and what each touched, on a real directory.
private struct Workload {
    /// Paths an operation changed: files and folders, relative to the content directory.
    struct Touched: CustomStringConvertible {
        var operation: String
        var files: [String] = []
        var folders: [String] = []
        var description: String { "\(operation) files \(files) folders \(folders)" }
    }

    let content: URL
    let outside: URL
    private var counter = 0
    private var parked: [String] = []

    init(content: URL, outside: URL) {
        self.content = content
        self.outside = outside
    }

    private var fileManager: FileManager { .default }

    /// Every markdown file under the content directory, relative.
    func documents() -> [String] {
        let enumerator = fileManager.enumerator(atPath: content.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".md") { paths.append(path) }
        }
        return paths.sorted()
    }

    func folders() -> [String] {
        let enumerator = fileManager.enumerator(atPath: content.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: content.appendingPathComponent(path).path, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                paths.append(path)
            }
        }
        return paths.sorted()
    }

    /// The disk as `ragsync_documents` should record it: path → SHA-256 of the bytes.
    func diskFingerprint() throws -> [String: String] {
        var fingerprint: [String: String] = [:]
        for path in documents() {
            let bytes = try Data(contentsOf: content.appendingPathComponent(path))
            fingerprint[path] = ContentHash(of: bytes).hex
        }
        return fingerprint
    }

    private mutating func text(_ random: inout SeededGenerator) -> String {
        counter += 1
        let sections = 1 + Int(random.next() % 4)
        var text = "---\ntitle: Note \(counter)\ncategory: c\(random.next() % 3)\n---\n# Note \(counter)\n\n"
        for section in 0..<sections {
            text += "## Part \(section)\n\n"
            for paragraph in 0..<(1 + Int(random.next() % 6)) {
                text += SampleText.paragraph(Int(random.next() % 400) + paragraph, words: 20 + Int(random.next() % 60)) + "\n\n"
            }
        }
        return text
    }

    private func pick<T>(_ items: [T], _ random: inout SeededGenerator) -> T? {
        items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))]
    }

    private func write(_ path: String, _ text: String) throws {
        let url = content.appendingPathComponent(path)
        try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// One random operation.
    mutating func step(_ random: inout SeededGenerator) throws -> Touched {
        let documents = documents()
        let folders = folders()
        switch random.next() % 11 {
        case 0, 1:
            let folder = pick(["", "a", "a/b", "c"] + folders, &random) ?? ""
            counter += 1
            let path = (folder.isEmpty ? "" : folder + "/") + "n\(counter).md"
            try write(path, text(&random))
            return Touched(operation: "create", files: [path])
        case 2:
            guard let path = pick(documents, &random) else { return try step(&random) }
            try write(path, text(&random))
            return Touched(operation: "edit", files: [path])
        case 3:
            guard let path = pick(documents, &random) else { return try step(&random) }
            // An editor's atomic save: a temporary file renamed over the document.
            let temporary = content.appendingPathComponent(path + ".tmp~")
            try Data(text(&random).utf8).write(to: temporary)
            guard rename(temporary.path, content.appendingPathComponent(path).path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
            return Touched(operation: "atomic save", files: [path])
        case 4:
            guard let path = pick(documents, &random) else { return try step(&random) }
            try Data().write(to: content.appendingPathComponent(path))
            return Touched(operation: "truncate", files: [path])
        case 5:
            guard let path = pick(documents, &random) else { return try step(&random) }
            let target = (pick(["", "a", "c/d"], &random) ?? "").appending("/r\(counter)-" + (path.split(separator: "/").last.map(String.init) ?? "x.md"))
            let relative = target.hasPrefix("/") ? String(target.dropFirst()) : target
            counter += 1
            try fileManager.createDirectory(
                at: content.appendingPathComponent(relative).deletingLastPathComponent(), withIntermediateDirectories: true)
            try fileManager.moveItem(at: content.appendingPathComponent(path), to: content.appendingPathComponent(relative))
            return Touched(operation: "rename", files: [path, relative])
        case 6:
            guard let path = pick(documents, &random) else { return try step(&random) }
            try fileManager.removeItem(at: content.appendingPathComponent(path))
            return Touched(operation: "delete", files: [path])
        case 7:
            // A folder moved into another folder (nested moves: the sequence that once crashed the daemon).
            guard let folder = pick(folders, &random), let into = pick(folders.filter { !$0.hasPrefix(folder) }, &random)
            else { return try step(&random) }
            counter += 1
            let target = into + "/m\(counter)"
            try fileManager.moveItem(at: content.appendingPathComponent(folder), to: content.appendingPathComponent(target))
            return Touched(operation: "move folder", folders: [folder, into, target])
        case 8:
            guard let folder = pick(folders, &random) else { return try step(&random) }
            counter += 1
            let name = "p\(counter)"
            try fileManager.moveItem(at: content.appendingPathComponent(folder), to: outside.appendingPathComponent(name))
            parked.append(name)
            return Touched(operation: "move folder out", folders: [folder])
        case 9:
            guard let name = parked.popLast() else { return try step(&random) }
            let target = (pick(folders, &random).map { $0 + "/" } ?? "") + name
            try fileManager.moveItem(at: outside.appendingPathComponent(name), to: content.appendingPathComponent(target))
            return Touched(operation: "move folder in", folders: [target])
        default:
            guard let folder = pick(folders, &random) else { return try step(&random) }
            try fileManager.removeItem(at: content.appendingPathComponent(folder))
            return Touched(operation: "rm -r", folders: [folder])
        }
    }

    /// A scope covering what an operation touched, in one of the shapes a watcher's batch takes.
    static func scope(covering touched: Touched, _ random: inout SeededGenerator) -> ChangeBatch {
        func parent(_ path: String) -> String {
            path.split(separator: "/").dropLast().joined(separator: "/")
        }
        switch random.next() % 5 {
        case 0:
            return ChangeBatch(isFullReconcile: true)
        case 1:
            // The folders holding the files, plus each folder and its parent: nested folders in one batch.
            var folders = Set(touched.files.map(parent) + touched.folders)
            for folder in touched.folders { folders.insert(parent(folder)) }
            return ChangeBatch(folders: folders)
        default:
            var folders = Set(touched.folders)
            // A folder and a folder inside it, as when a folder moves in and another into it a moment later.
            for folder in touched.folders where random.next() % 2 == 0 { folders.insert(parent(folder)) }
            return ChangeBatch(files: Set(touched.files), folders: folders)
        }
    }
}
