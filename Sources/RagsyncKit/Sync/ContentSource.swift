// ragsync — ContentSource: scans and reads the content directory on a thread of its own.

import SyncCore
import ThreadExecutor

/// Owns the file-system side of a sync: the directory walk, reads and hashing, run on a dedicated thread so
/// blocking `readdir`/`read` calls never occupy the cooperative thread pool.
actor ContentSource {
    private let executor = DedicatedThreadExecutor(name: "ragsync-files")
    private let scanner: ContentScanner
    private let maxFileBytes: Int

    /// A walk, and the digest of its stamps when taken.
    struct Walked: Sendable {
        var walk: ContentScanner.Walk
        var digest: StampDigest?
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    init(scanner: ContentScanner, maxFileBytes: Int) {
        self.scanner = scanner
        self.maxFileBytes = maxFileBytes
    }

    /// Walks the tree, or the part of it a batch names, reads every document found and hashes its bytes.
    func snapshot(of scope: ChangeBatch) -> ContentSnapshot {
        scanner.snapshot(of: scope, maxBytes: maxFileBytes)
    }

    /// Walks the tree, or the part of it a batch names, taking each document's stamp.
    /// - Parameters:
    ///   - passStart: the real-time clock before the walk, in nanoseconds since the epoch.
    ///   - digesting: take the digest of the stamps too (``StampDigest``), on this thread.
    func walk(_ scope: ChangeBatch, passStart: Int64, digesting: Bool) -> Walked {
        let walk = scanner.walk(scope)
        return Walked(walk: walk, digest: digesting ? StampDigest(of: walk.scan.entries, settledAt: passStart) : nil)
    }

    /// Reads and hashes what a walk found, except the files the stat cache vouches for.
    func read(_ walk: ContentScanner.Walk, cache: StatCache?) -> ContentSnapshot {
        scanner.read(walk, maxBytes: maxFileBytes, cache: cache)
    }

    /// Reads a file of the snapshot again, for parsing.
    func contents(of file: ContentSnapshot.File) throws(ContentReadError) -> ContentSnapshot.Contents {
        try scanner.contents(of: file, maxBytes: maxFileBytes)
    }
}
