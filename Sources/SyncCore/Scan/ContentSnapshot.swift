// ragsync — ContentSnapshot: the documents a pass found on disk, read and hashed.

import Indexer

/// What one walk of the content directory (or of the part of it a batch names) found.
public struct ContentSnapshot: Sendable {
    /// A document on disk, read and hashed.
    ///
    /// Its bytes are kept while the snapshot's budget lasts (``ContentScanner/keptBytesBudget``): a watcher's pass over
    /// a few saved files reads and hashes each once, from event to commit. Beyond the budget (a cold index of
    /// thousands of files) only hashes are kept, and a file that changed is read again when it is indexed
    /// (``ContentScanner/contents(of:maxBytes:)``).
    public struct File: Sendable, Equatable {
        public var relativePath: String
        public var absolutePath: String
        public var hash: String
        /// The bytes that were hashed, when the budget allowed keeping them; nil too when the stat cache vouched for
        /// the hash and nothing was read.
        public var bytes: [UInt8]?
        /// The stamp taken before the bytes were read, when it may be recorded with `hash` (it is settled); nil too
        /// when the stat cache vouched for the hash, whose recorded stamp is this one already.
        public var settledStamp: FileStamp?
        /// The size of the bytes hashed, or of the file as the stat cache saw it: what indexing it will hold.
        public var byteCount: Int
    }

    /// A changed document's bytes, read again to be parsed, with their hash.
    public struct Contents: Sendable {
        public var bytes: [UInt8]
        public var hash: String

        public init(bytes: [UInt8], hash: String) {
            self.bytes = bytes
            self.hash = hash
        }
    }

    /// A document that could not be read.
    public struct Unreadable: Sendable {
        public var relativePath: String
        public var error: ContentReadError
    }

    public var files: [File]
    public var unreadable: [Unreadable]
    /// Paths passed over and why (links leaving the tree, non-UTF-8 names).
    public var skipped: [(path: String, reason: String)]
    /// False when a folder could not be listed: deletions are then unsafe.
    public var isComplete: Bool
    /// Files whose hash the stat cache vouched for, unread.
    public var unread = 0
}

extension ContentScanner {
    /// The documents a walk found, before any is read.
    public struct Walk: Sendable {
        public var scan: Result
        /// False when a path could not be checked or the directory is gone: deletions are then unsafe.
        public var isComplete: Bool

        /// True when every path was checked and every folder listed.
        public var isWhole: Bool {
            isComplete && !scan.skipped.contains { $0.reason.hasPrefix("cannot open folder") }
        }
    }

    /// Walks the tree, or the part of it a batch names, reads every document found and hashes its bytes.
    /// - Parameter cache: recorded stamps and hashes; a file whose settled stamp is the recorded one is not read.
    public func snapshot(of scope: ChangeBatch, maxBytes: Int, cache: StatCache? = nil) -> ContentSnapshot {
        read(walk(scope), maxBytes: maxBytes, cache: cache)
    }

    /// Walks the tree, or the part of it a batch names, taking each document's stamp.
    public func walk(_ scope: ChangeBatch) -> Walk {
        guard !scope.isFullReconcile else { return Walk(scan: scan(), isComplete: true) }
        guard isRootPresent else {
            return Walk(scan: Result(entries: [], skipped: [(".", "the content directory is gone")]), isComplete: false)
        }
        var scan = ContentScanner.Result(entries: [], skipped: [])
        var unknown = false
        var found = Set<String>()
        for folder in scope.outermostFolders {
            let part = self.scan(folder: folder)
            // A document reached twice (through a link to a folder walked too) is indexed once.
            scan.entries += part.entries.filter { found.insert($0.relativePath).inserted }
            scan.skipped += part.skipped
        }
        for path in scope.files.sorted() where !found.contains(path) {
            switch entry(at: path) {
            case .document(let entry): scan.entries.append(entry)
            case .absent: break
            case .unknown(let reason):
                scan.skipped.append((path, "cannot check: \(reason)"))
                unknown = true
            }
        }
        return Walk(scan: scan, isComplete: !unknown)
    }

    /// How many bytes of file contents one snapshot keeps, so that the files of a small pass are read once.
    public static let keptBytesBudget = 1 << 20

    /// The bytes of a file of the snapshot: those it kept, else read again (when they changed meanwhile, the newer
    /// bytes are the ones to index).
    public func contents(of file: ContentSnapshot.File, maxBytes: Int) throws(ContentReadError) -> ContentSnapshot.Contents {
        if let bytes = file.bytes { return ContentSnapshot.Contents(bytes: bytes, hash: file.hash) }
        let bytes = try fileSystem.contents(of: file.absolutePath, maxBytes: maxBytes)
        return ContentSnapshot.Contents(bytes: bytes, hash: ContentHash(of: bytes).hex)
    }

    /// Reads and hashes the documents a walk found, except those the stat cache vouches for.
    public func read(_ walk: Walk, maxBytes: Int, cache: StatCache? = nil) -> ContentSnapshot {
        let scan = walk.scan
        var files: [ContentSnapshot.File] = []
        var unreadable: [ContentSnapshot.Unreadable] = []
        var budget = Self.keptBytesBudget
        var unread = 0
        files.reserveCapacity(scan.entries.count)
        for entry in scan.entries {
            if let hash = cache?.hash(of: entry.relativePath, stamp: entry.stamp) {
                files.append(
                    ContentSnapshot.File(
                        relativePath: entry.relativePath, absolutePath: entry.absolutePath, hash: hash, bytes: nil,
                        settledStamp: nil, byteCount: Int(clamping: entry.stamp?.size ?? 0)))
                unread += 1
                continue
            }
            let settled = cache.flatMap { cache in entry.stamp.flatMap { $0.isSettled(at: cache.passStart) ? $0 : nil } }
            do {
                let bytes = try fileSystem.contents(of: entry.absolutePath, maxBytes: maxBytes)
                let kept = bytes.count <= budget ? bytes : nil
                if kept != nil { budget -= bytes.count }
                files.append(
                    ContentSnapshot.File(
                        relativePath: entry.relativePath, absolutePath: entry.absolutePath, hash: ContentHash(of: bytes).hex,
                        bytes: kept, settledStamp: settled, byteCount: bytes.count))
            } catch where error.reason == .vanished {
                continue  // gone since the walk: absent, so a removal or the old half of a rename
            } catch {
                unreadable.append(ContentSnapshot.Unreadable(relativePath: entry.relativePath, error: error))
            }
        }
        return ContentSnapshot(
            files: files, unreadable: unreadable, skipped: scan.skipped, isComplete: walk.isWhole, unread: unread)
    }
}
