// ragsync — a seeded random workload over three content folders feeding one database, with colliding paths.
//
// Each step writes, edits or deletes a file in one folder (paths come from a small set, so folders share paths), syncs
// one folder, or removes a source on purpose. A document is a path within a source: after every step the store must
// equal the model, each source's documents with the hashes of its own files as its last pass saw them, whatever the
// other sources hold at the same paths.
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
                    model.sync(names[site], disk: try Self.disk(of: folder))
                    #expect(summary.failed == 0, "\(context): \(summary.failures)")
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

    /// Every indexed document: (source, path) → content hash, checked against the chunks each source wrote.
    private static func stored(_ harness: PipelineHarness) async throws -> [OwnershipModel.Key: String] {
        let rows = try await harness.client.query(
            """
            SELECT d.source, d.source_file, d.content_hash FROM ragsync_documents d
            WHERE d.content_hash IS NOT NULL
              AND d.chunk_count = (SELECT count(*) FROM ragsync_chunks r WHERE r.source = d.source AND r.source_file = d.source_file)
            """)
        var documents: [OwnershipModel.Key: String] = [:]
        for row in rows.rows {
            guard row.count == 3, let source = row[0], let path = row[1], let hash = row[2] else { continue }
            documents[OwnershipModel.Key(source: source, path: path)] = hash
        }
        return documents
    }
}

/// Each source's documents and their bytes' hashes, after the operations applied so far.
private struct OwnershipModel {
    struct Key: Hashable, CustomStringConvertible {
        var source: String
        var path: String
        var description: String { "\(source.suffix(12))|\(path)" }
    }

    private(set) var documents: [Key: String] = [:]

    /// A full pass of `source` over its folder's files (path → hash): its documents become exactly those files.
    mutating func sync(_ source: String, disk: [String: String]) {
        documents = documents.filter { $0.key.source != source }
        for (path, hash) in disk { documents[Key(source: source, path: path)] = hash }
    }

    /// `ragsync sources remove source`.
    mutating func remove(_ source: String) {
        documents = documents.filter { $0.key.source != source }
    }
}
