// ragsync — ContentSource: scans and reads the content directory on a thread of its own.

import Indexer
import ThreadExecutor

/// Owns the file-system side of a sync: the directory walk, reads and hashing, run on a dedicated thread so
/// blocking `readdir`/`read` calls never occupy the cooperative thread pool.
actor ContentSource {
    /// A document on disk, read and hashed.
    struct File: Sendable {
        var relativePath: String
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

    /// Walks the tree, reads every document and hashes its bytes.
    func snapshot() -> Snapshot {
        let scan = scanner.scan()
        var files: [File] = []
        var unreadable: [Unreadable] = []
        files.reserveCapacity(scan.entries.count)
        for entry in scan.entries {
            do {
                let bytes = try reader.read(entry.absolutePath)
                files.append(File(relativePath: entry.relativePath, bytes: bytes, hash: ContentHash(of: bytes).hex))
            } catch {
                unreadable.append(Unreadable(relativePath: entry.relativePath, error: error))
            }
        }
        let complete = !scan.skipped.contains { $0.reason.hasPrefix("cannot open folder") }
        return Snapshot(files: files, unreadable: unreadable, skipped: scan.skipped, isComplete: complete)
    }
}
