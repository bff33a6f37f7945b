// ragsync — a seeded random workload over three content folders feeding one database, with colliding paths.
//
// Each step writes, edits or deletes a file in one folder (paths come from a small set, so folders collide), syncs one
// folder, or removes a source on purpose. A model says who owns each path: the first source that indexed it, until
// its own pass no longer finds the file or the source is removed. After every step the store must equal the model:
// every document with its owner and the hash of that owner's file, and nothing another source's pass deleted.
// A failure prints its seed; RAGSYNC_SIM_SEED=N replays it.

import Foundation
import IndexStore
import Indexer
import RagsyncTestSupport
import Testing

@Suite("Sources under a randomized workload")
struct RandomizedSourcesTests {
    private static let paths = ["a.md", "b.md", "c.md", "notes/d.md", "notes/e.md"]

    @Test(arguments: SeededGenerator.seeds(default: [303, 404]))
    func everySourceKeepsExactlyItsOwnDocuments(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        try await PipelineHarness.with { harness in
            var folders = [harness.content]
            for index in 1...2 {
                let folder = harness.content.deletingLastPathComponent()
                    .appendingPathComponent("ragsync-source-\(index)-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                folders.append(folder)
            }
            defer { for folder in folders.dropFirst() { try? FileManager.default.removeItem(at: folder) } }
            let names = try folders.map { try harness.configuration(environment: ["RAGSYNC_CONTENT_DIR": $0.path]).source }
            var model = OwnershipModel()
            for step in 0..<120 {
                let context = "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed)), step \(step)"
                let site = Int(random.next() % 3)
                let folder = folders[site]
                let path = Self.paths[Int(random.next() % UInt64(Self.paths.count))]
                let file = folder.appendingPathComponent(path)
                switch random.next() % 10 {
                case 0...3:
                    try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(document(path, "Site \(site), step \(step).").utf8).write(to: file)
                case 4...5:
                    try? FileManager.default.removeItem(at: file)
                case 6...8:
                    let summary = try await harness.sync(environment: [
                        "RAGSYNC_CONTENT_DIR": folder.path, "RAGSYNC_MAX_DELETE": "all",
                    ])
                    let refused = model.sync(names[site], disk: try Self.disk(of: folder))
                    #expect(Set(summary.failures.map(\.path)) == refused, "\(context): refused paths")
                    #expect(summary.failures.allSatisfy { $0.reason.contains("is indexed by the source") }, "\(context)")
                default:
                    _ = try await DocumentStore.removeSource(
                        names[site], client: harness.client, schema: try await harness.store().schema,
                        model: "text-embedding-3-small")
                    model.remove(names[site])
                }
                #expect(try await Self.stored(harness) == model.documents, "\(context): store differs from the model")
            }
        }
    }

    /// Each file of a folder with the SHA-256 of its bytes.
    private static func disk(of folder: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        for path in paths where FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path) {
            files[path] = ContentHash(of: try Data(contentsOf: folder.appendingPathComponent(path))).hex
        }
        return files
    }

    /// Every indexed document: path → (source, content hash).
    private static func stored(_ harness: PipelineHarness) async throws -> [String: OwnershipModel.Document] {
        let rows = try await harness.client.query(
            "SELECT source_file, source, content_hash FROM ragsync_documents WHERE content_hash IS NOT NULL")
        var documents: [String: OwnershipModel.Document] = [:]
        for row in rows.rows {
            guard row.count == 3, let path = row[0], let source = row[1], let hash = row[2] else { continue }
            documents[path] = OwnershipModel.Document(source: source, hash: hash)
        }
        return documents
    }
}

/// Who should own each path, and with which bytes, after the operations applied so far.
private struct OwnershipModel {
    struct Document: Equatable, CustomStringConvertible {
        var source: String
        var hash: String
        var description: String { "\(source): \(hash.prefix(8))" }
    }

    private(set) var documents: [String: Document] = [:]

    /// A full pass of `source` over its folder's files (path → hash).
    /// - Returns: the paths it must refuse, because another source owns them.
    mutating func sync(_ source: String, disk: [String: String]) -> Set<String> {
        var refused = Set<String>()
        for (path, hash) in disk {
            if let owner = documents[path]?.source, owner != source {
                refused.insert(path)
            } else {
                documents[path] = Document(source: source, hash: hash)
            }
        }
        for (path, document) in documents where document.source == source && disk[path] == nil {
            documents[path] = nil
        }
        return refused
    }

    /// `ragsync sources remove source`.
    mutating func remove(_ source: String) {
        documents = documents.filter { $0.value.source != source }
    }
}
