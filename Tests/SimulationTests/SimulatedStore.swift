// ragsync — SimulatedStore: the index as the simulation models it, one record per document.

import SyncCore

/// What the database holds, reduced to what the invariants compare: per document the hash of the bytes whose rows
/// are stored, the hash of bytes that failed to parse, the chunk hashes in order and the chunking they were cut with.
struct SimulatedStore: Equatable {
    struct Document: Equatable {
        var contentHash: String?
        var failedHash: String?
        var chunkHashes: [String] = []
        var chunking: String?
    }

    private(set) var documents: [String: Document] = [:]
    /// The file stamp recorded with each document's hash (the stat cache), as `ragsync_documents.file_stamp`.
    private(set) var fileStamps: [String: String] = [:]

    /// The stat cache a pass starting at `passStart` gets.
    func statCache(passStart: Int64) -> StatCache {
        var recorded: [String: (stamp: String, hash: String)] = [:]
        for (path, stamp) in fileStamps {
            if let hash = documents[path]?.contentHash { recorded[path] = (stamp, hash) }
        }
        return StatCache(recorded: recorded, passStart: passStart)
    }

    /// Records the settled stamps of a pass's files where the stored hash is the one the file had when read, as
    /// `DocumentStore.recordFileStamps` does.
    mutating func recordStamps(of files: [ContentSnapshot.File]) {
        for file in files {
            guard let stamp = file.settledStamp, documents[file.relativePath]?.contentHash == file.hash else { continue }
            fileStamps[file.relativePath] = stamp.text
        }
    }

    /// Chunk hashes with an embedding: every chunk of a stored document has one, and embeddings go with their rows.
    var embeddedHashes: Set<String> {
        Set(documents.values.flatMap(\.chunkHashes))
    }

    /// The records in a pass's scope, as the store's scoped query returns them.
    func records(in scope: ChangeBatch) -> [String: SyncPlan.Record] {
        var records: [String: SyncPlan.Record] = [:]
        for (path, document) in documents where scope.contains(path) {
            records[path] = SyncPlan.Record(
                sourceFile: path, contentHash: document.contentHash, failedHash: document.failedHash, lastError: nil,
                chunking: document.chunking)
        }
        return records
    }

    mutating func rename(from old: String, to new: String) {
        documents[new] = documents.removeValue(forKey: old)
        fileStamps[new] = fileStamps.removeValue(forKey: old)
    }

    /// A document's new rows, replacing the old ones in one transaction; new bytes drop the recorded stamp.
    mutating func replace(_ path: String, contentHash: String, chunkHashes: [String], chunking: String) {
        if documents[path]?.contentHash != contentHash { fileStamps[path] = nil }
        documents[path] = Document(contentHash: contentHash, failedHash: nil, chunkHashes: chunkHashes, chunking: chunking)
    }

    /// A failure recorded against a document; its last good rows stay searchable.
    mutating func recordFailure(_ path: String, failedHash: String?) {
        documents[path, default: Document()].failedHash = failedHash
    }

    mutating func delete(_ path: String) {
        documents[path] = nil
        fileStamps[path] = nil
    }
}
