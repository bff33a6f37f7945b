// ragsync — ContentSource: scans and reads the content directory on a thread of its own.

import Indexer
import ThreadExecutor

/// Owns the file-system side of a sync: the directory walk, reads and hashing, run on a dedicated thread so
/// blocking `readdir`/`read` calls never occupy the cooperative thread pool.
actor ContentSource {
    /// A document on disk, read and hashed. Its bytes are not kept: a scan of thousands of files holds only their
    /// hashes, and the few that changed are read again when they are indexed (``contents(of:)``).
    struct File: Sendable {
        var relativePath: String
        var absolutePath: String
        var hash: String
    }

    /// A changed document's bytes, read again to be parsed, with their hash.
    struct Contents: Sendable {
        var bytes: [UInt8]
        var hash: String
    }

    /// A document that could not be read.
    struct Unreadable: Sendable {
        var relativePath: String
        var error: ContentReadError
    }

    /// What one full scan found.
    struct Snapshot: Sendable {
        var files: [File]
        var unreadable: [Unreadable]
        /// Paths passed over and why (links leaving the tree, non-UTF-8 names).
        var skipped: [(path: String, reason: String)]
        /// False when a folder could not be listed: deletions are then unsafe.
        var isComplete: Bool
    }

    private let executor = DedicatedThreadExecutor(name: "ragsync-files")
    private let scanner: ContentScanner
    private let reader: ContentFileReader

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    init(scanner: ContentScanner, reader: ContentFileReader) {
        self.scanner = scanner
        self.reader = reader
    }

    /// Walks the tree, or the part of it a batch names, reads every document found and hashes its bytes.
    func snapshot(of scope: ChangeBatch) -> Snapshot {
        guard !scope.isFullReconcile else { return read(scanner.scan()) }
        guard scanner.isRootPresent else {
            return Snapshot(
                files: [], unreadable: [], skipped: [(".", "the content directory is gone")], isComplete: false)
        }
        var scan = ContentScanner.Result(entries: [], skipped: [])
        var unknown = false
        var found = Set<String>()
        for folder in scope.outermostFolders {
            let part = scanner.scan(folder: folder)
            // A document reached twice (through a link to a folder walked too) is indexed once.
            scan.entries += part.entries.filter { found.insert($0.relativePath).inserted }
            scan.skipped += part.skipped
        }
        for path in scope.files.sorted() where !found.contains(path) {
            switch scanner.entry(at: path) {
            case .document(let entry): scan.entries.append(entry)
            case .absent: break
            case .unknown(let reason):
                scan.skipped.append((path, "cannot check: \(reason)"))
                unknown = true
            }
        }
        var snapshot = read(scan)
        if unknown { snapshot.isComplete = false }
        return snapshot
    }

    /// Reads a file of the snapshot again; its hash differs from the snapshot's when it changed meanwhile, and the
    /// newer bytes are the ones to index.
    func contents(of file: File) throws(ContentReadError) -> Contents {
        let bytes = try reader.read(file.absolutePath)
        return Contents(bytes: bytes, hash: ContentHash(of: bytes).hex)
    }

    private func read(_ scan: ContentScanner.Result) -> Snapshot {
        var files: [File] = []
        var unreadable: [Unreadable] = []
        files.reserveCapacity(scan.entries.count)
        for entry in scan.entries {
            do {
                let bytes = try reader.read(entry.absolutePath)
                files.append(
                    File(relativePath: entry.relativePath, absolutePath: entry.absolutePath, hash: ContentHash(of: bytes).hex))
            } catch where error.reason == .vanished {
                continue  // gone since the walk: absent, so a removal or the old half of a rename
            } catch {
                unreadable.append(Unreadable(relativePath: entry.relativePath, error: error))
            }
        }
        let complete = !scan.skipped.contains { $0.reason.hasPrefix("cannot open folder") }
        return Snapshot(files: files, unreadable: unreadable, skipped: scan.skipped, isComplete: complete)
    }
}
