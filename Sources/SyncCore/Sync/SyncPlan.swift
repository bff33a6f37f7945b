// ragsync — SyncPlan: what one pass does, decided from what is on disk and what is stored, without I/O.

/// The decisions of a pass: which files to index, which stored documents were renamed, which to delete.
///
/// The content hash decides, never the event: a file whose bytes match its record is unchanged (unless its rows
/// drifted or the chunking changed); bytes that failed to parse before are not retried until they change; a stored
/// document missing from disk is renamed when its exact bytes appear under a new path, else deleted. Each path is
/// planned once, whatever the walk found.
public struct SyncPlan: Sendable {
    /// What the store knows of a document, as far as planning needs.
    public struct Record: Sendable, Equatable {
        public var sourceFile: String
        /// The hash of the bytes whose rows are stored; nil when it never indexed successfully.
        public var contentHash: String?
        /// The hash of bytes that failed for good; skipped until the file changes.
        public var failedHash: String?
        public var lastError: String?
        /// The chunker signature its rows were cut with.
        public var chunking: String?

        public init(sourceFile: String, contentHash: String?, failedHash: String?, lastError: String?, chunking: String?) {
            self.sourceFile = sourceFile
            self.contentHash = contentHash
            self.failedHash = failedHash
            self.lastError = lastError
            self.chunking = chunking
        }
    }

    /// Why a file is indexed.
    public enum Reason: Sendable, Equatable {
        /// New, changed, or the new path of a rename.
        case changed
        /// Same bytes, but its rows were edited or deleted by another writer.
        case repair(String)
        /// Same bytes, cut with other chunk settings.
        case rechunk
    }

    /// Files to read, parse, embed and write, in walk order.
    public var toIndex: [(file: ContentSnapshot.File, reason: Reason)] = []
    /// Stored documents whose bytes reappeared under another path: re-pointed, no embedding.
    public var renames: [(from: String, to: String)] = []
    /// Stored documents gone from disk, sorted. Deleted only when the walk was complete and the guard allows.
    public var deletions: [String] = []
    public var unchanged = 0
    /// Files whose exact bytes failed before, with the recorded error.
    public var failedBefore: [(path: String, error: String)] = []

    /// - Parameters:
    ///   - snapshot: what the walk found.
    ///   - records: the stored documents in the pass's scope, by path.
    ///   - drifted: documents whose rows differ from what ragsync wrote, with the reason.
    ///   - chunking: the current chunker's signature.
    public init(snapshot: ContentSnapshot, records: [String: Record], drifted: [String: String], chunking: String) {
        var onDisk = Set<String>()
        for file in snapshot.files {
            guard onDisk.insert(file.relativePath).inserted else { continue }
            let record = records[file.relativePath]
            if let record, record.contentHash == file.hash {
                if let reason = drifted[file.relativePath] {
                    toIndex.append((file, .repair(reason)))
                } else if record.chunking != chunking {
                    toIndex.append((file, .rechunk))
                } else {
                    unchanged += 1
                }
            } else if let record, record.failedHash == file.hash {
                failedBefore.append((file.relativePath, record.lastError ?? "failed before"))
            } else {
                toIndex.append((file, .changed))
            }
        }
        for unreadable in snapshot.unreadable { onDisk.insert(unreadable.relativePath) }  // present: never deleted

        var vanished = Set(records.keys.filter { !onDisk.contains($0) })
        var vanishedByHash: [String: [String]] = [:]
        for path in vanished.sorted(by: >) {
            if let hash = records[path]?.contentHash { vanishedByHash[hash, default: []].append(path) }
        }
        for (file, _) in toIndex where records[file.relativePath]?.contentHash == nil {
            guard var candidates = vanishedByHash[file.hash], let old = candidates.popLast() else { continue }
            vanishedByHash[file.hash] = candidates
            renames.append((old, file.relativePath))
            vanished.remove(old)
        }
        deletions = vanished.sorted()
    }

    /// Files indexed because their rows drifted.
    public var repairs: Int { toIndex.count { if case .repair = $0.reason { true } else { false } } }
    /// Unchanged files cut again because the chunking changed.
    public var rechunks: Int { toIndex.count { $0.reason == .rechunk } }
}
