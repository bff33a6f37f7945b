// ragsync — SyncEngine: reconciles the content directory with the database, embedding only what is new.

public import Embedding
import Glibc
public import IndexStore
public import Indexer
public import Logging
public import SyncCore

/// Brings the database in line with the content directory.
///
/// Per document, the SHA-256 of its bytes decides: unchanged documents are not parsed; new and changed ones are
/// parsed, chunked, and written in one transaction each; removed ones are deleted; a file that reappears under
/// another path with the same bytes is re-pointed (a rename costs no embedding). Per chunk, the hash of exactly the
/// embedded text decides: only chunks whose hash has no embedding for the model anywhere in the store are sent to
/// the embedding API, in batches that span documents.
public struct SyncEngine: Sendable {
    public let store: DocumentStore
    public let embedder: any EmbeddingProvider
    public let chunker: Chunker
    public let logger: Logger
    /// How many documents one pass may delete.
    public let deletionGuard: DeletionGuard
    private let source: ContentSource
    /// The content directory's path, recorded with the store's source on every full pass.
    private let contentDirectory: String

    /// Documents prepared, embedded and written together (one transaction). Three batches are in memory at once (one
    /// prepared, two written), so this bounds memory on a cold index of thousands of files: with two writers, 50
    /// held a 5,000-file index to 54-57 MB in 7.8-8.3 s, 25 to 51 MB in 8.8-9.4 s; 200 took 87 MB with one writer.
    /// With one malloc arena and relative relocations packed (see the Makefile), 35 took 49 MB in 7.6-8.0 s against
    /// 52-56 MB for 50.
    public var documentsPerBatch = 35
    /// The most bytes of files in one batch (35 files of the benchmark's corpus are about 150 KB). A larger file is a
    /// batch of its own, and is prepared and written while no other batch is in memory: six 8 MB files took 173 MB
    /// as one batch, and three of them in flight at once 114 MB.
    public var bytesPerBatch = 1 << 20
    /// Bytes of new vectors one batch holds at most (`RAGSYNC_MAX_HELD_VECTOR_BYTES`): by default 12 MiB, 2,048
    /// vectors of 1,536 dimensions (one OpenAI request's worth). A batch with more, which takes a document of
    /// thousands of new chunks, embeds its chunks in slices of that many and stages each slice in the store for its
    /// transaction to copy (``DocumentStore/stageEmbeddings``): an 8.2 MB file of 8,539 chunks held 52 MB of vectors
    /// until its transaction.
    public var heldVectorBytes = 12 << 20
    /// Stores on connections of their own that write the batches of a pass of several, two transactions at a time:
    /// PostgreSQL's work is most of a cold index, and one connection kept one core busy. Empty: ``store`` writes.
    public var bulkWriters: [DocumentStore] = []
    /// Skips reading files whose recorded stamp is unchanged (``StatCache``). Off for network file systems, whose
    /// times come from another machine's clock and may be cached by the client.
    public var usesStatCache: Bool
    /// The real-time clock in nanoseconds since the epoch, which file times are written with; a test may set it.
    public var wallClock: @Sendable () -> Int64 = SyncEngine.wallClockNanoseconds

    public init(
        store: DocumentStore, embedder: any EmbeddingProvider, chunker: Chunker, contentDirectory: String,
        maxFileBytes: Int, logger: Logger, deletionGuard: DeletionGuard = DeletionGuard(),
        fileSystem: any FileSystem = GlibcFileSystem(), usesStatCache: Bool? = nil
    ) throws {
        self.usesStatCache = usesStatCache ?? (NetworkFileSystem(path: contentDirectory) == nil)
        self.deletionGuard = deletionGuard
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.logger = logger
        self.contentDirectory = contentDirectory
        self.source = ContentSource(
            scanner: try ContentScanner(root: contentDirectory, fileSystem: fileSystem), maxFileBytes: maxFileBytes)
    }

    /// Reconciles the whole content directory, or the files and folders a watcher reported.
    /// - Parameters:
    ///   - scope: what to compare; everything by default. Stored documents outside it are left alone.
    ///   - progress: called after each batch with (documents done, documents to index).
    /// - Returns: what was done; failures of single documents are in it, not thrown.
    /// - Throws: when the database cannot be read or written, and `CancellationError` when the task is cancelled
    ///   (between documents: each document's transaction is complete or rolled back).
    public func reconcile(
        _ scope: ChangeBatch = ChangeBatch(isFullReconcile: true), progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> SyncSummary {
        let started = ContinuousClock.now
        var summary = SyncSummary()
        // Taken before the walk: a stamp is trusted only when the file's times lie well before it (FileStamp).
        let passStart = wallClock()
        // The database side is read while the files are walked (on a thread of its own): at 5,000 files the drift
        // check (20-40 ms) then costs no time of its own. A full pass first compares one digest of every path and
        // stamp (StampDigest): equal, nothing changed, and no record is read. Otherwise only the files whose stamp
        // is not the one recorded with their hash are read and hashed.
        let digestsStamps = usesStatCache && scope.isFullReconcile
        async let databaseSide = Self.storedState(
            in: store, for: scope, contentDirectory: contentDirectory, digestChunking: digestsStamps ? chunker.signature : nil)
        let walked = await source.walk(scope, passStart: passStart, digesting: digestsStamps)
        let walk = walked.walk
        let (records, recordedDigest, drift) = try await databaseSide
        summary.orphanedEmbeddingsDeleted = drift.orphanedEmbeddingsDeleted
        summary.scannedForDrift = drift.scanned
        if summary.orphanedEmbeddingsDeleted > 0 {
            logger.warning(
                "deleted \(summary.orphanedEmbeddingsDeleted) embedding(s) whose chunk was deleted by hand",
                metadata: ["action": "repaired", "embeddings": "\(summary.orphanedEmbeddingsDeleted)"])
        }
        if digestsStamps, let digest = walked.digest, digest.hex == recordedDigest, drift.drifted.isEmpty, walk.isWhole {
            // Every file has the settled stamp recorded with its hash and every record its file: all unchanged.
            summary.scanned = walk.scan.entries.count
            summary.unchanged = walk.scan.entries.count
            summary.skipped = walk.scan.skipped
            summary.matchedStampDigest = true
            summary.seconds = (ContinuousClock.now - started).seconds
            return summary
        }
        let stored: [String: StoredDocument]
        if let records { stored = records } else { stored = try await store.documents() }
        let cache = usesStatCache ? Self.statCache(of: stored, passStart: passStart) : nil
        let snapshot = await source.read(walk, cache: cache)
        summary.scanned = snapshot.files.count + snapshot.unreadable.count
        summary.read = summary.scanned - snapshot.unread
        summary.skipped = snapshot.skipped

        let plan = SyncPlan(
            snapshot: snapshot, records: stored.mapValues(\.planRecord), drifted: drift.drifted, chunking: chunker.signature)
        summary.unchanged = plan.unchanged
        summary.repaired = plan.repairs
        summary.rechunked = plan.rechunks
        summary.failures += plan.failedBefore.map { ($0.path, $0.error) }
        for (file, reason) in plan.toIndex {
            guard case .repair(let why) = reason else { continue }
            // Its rows were edited or deleted by hand: written again from the file.
            logger.warning(
                "repairing \(file.relativePath): \(why)",
                metadata: ["document": "\(file.relativePath)", "action": "repaired", "reason": "\(why)"])
        }
        for unreadable in snapshot.unreadable {
            summary.failures.append((unreadable.relativePath, unreadable.error.description))
            logger.error(
                "failed to read \(unreadable.relativePath): \(unreadable.error)",
                metadata: [
                    "document": "\(unreadable.relativePath)", "action": "failed", "error": "\(unreadable.error)",
                ])
            try await store.recordFailure(
                unreadable.relativePath, contentHash: nil, error: unreadable.error.description)
        }
        for (old, new) in plan.renames {
            try await store.rename(from: old, to: new)
            logger.info(
                "renamed \(old) to \(new)", metadata: ["document": "\(new)", "action": "renamed", "from": "\(old)"])
            summary.lastChanged = new
            summary.renamed += 1
        }

        if summary.rechunked > 0 {
            // Said before anything is spent: how many embedding inputs the re-cut costs.
            let cost = try await rechunkingCost(of: plan.toIndex.filter { $0.reason == .rechunk }.map(\.file))
            summary.rechunkingInputs = cost.toEmbed
            logger.notice(
                "re-chunking \(summary.rechunked) unchanged document(s) cut with other chunk settings: \(cost.chunks) chunks, \(cost.toEmbed) to embed; the others keep their embeddings",
                metadata: [
                    "action": "rechunking", "documents": "\(summary.rechunked)", "chunks": "\(cost.chunks)",
                    "inputs_to_embed": "\(cost.toEmbed)", "chunking": "\(chunker.signature)",
                ])
        }
        try await index(plan.toIndex.map(\.file), into: &summary, progress: progress)

        let vanished = plan.deletions
        var mayDelete = snapshot.isComplete
        if mayDelete, !vanished.isEmpty {
            let indexed = try await store.totals().documents
            if deletionGuard.refuses(deleting: vanished.count, of: indexed) {
                let refusal = deletionGuard.refusal(deleting: vanished, of: indexed)
                logger.error("\(refusal)", metadata: ["action": "refused-deletion", "documents": "\(vanished.count)"])
                summary.refusedDeletion = refusal
                summary.refusedDeletionCount = vanished.count
                mayDelete = false
            }
        }
        if mayDelete {
            for path in vanished {
                let chunks = try await store.delete(path)
                logger.info(
                    "removed \(path)", metadata: ["document": "\(path)", "action": "removed", "chunks": "\(chunks)"])
                summary.lastChanged = path
                summary.removed += 1
            }
        } else if !vanished.isEmpty, summary.refusedDeletion == nil {
            logger.warning(
                "not deleting \(vanished.count) document(s) missing from disk: a folder could not be listed",
                metadata: ["documents": "\(vanished.count)"])
        }
        if scope.isFullReconcile, summary.indexed >= Self.copyCheckMinimum {
            try await noticeCopies(into: &summary)
        }
        try await recordStamps(of: snapshot, stored: stored, written: Set(plan.toIndex.map(\.file.relativePath)))
        summary.seconds = (ContinuousClock.now - started).seconds
        return summary
    }

    /// Records the settled stamps the store does not have yet, each only where the stored hash is still the one its
    /// file's bytes had (a document indexed from newer bytes keeps none and is read by the next pass).
    /// - Parameter written: the files this pass wrote, whose stamps went with their rows (``DocumentUpdate/fileStamp``).
    private func recordStamps(
        of snapshot: ContentSnapshot, stored: [String: StoredDocument], written: Set<String>
    ) async throws {
        guard usesStatCache else { return }
        let fresh = snapshot.files.compactMap { file -> (path: String, hash: String, stamp: String)? in
            guard let stamp = file.settledStamp?.text, stored[file.relativePath]?.fileStamp != stamp,
                !written.contains(file.relativePath)
            else { return nil }
            return (file.relativePath, file.hash, stamp)
        }
        try await store.recordFileStamps(fresh)
    }

    /// The stamps and hashes recorded with this source's documents.
    private static func statCache(of stored: [String: StoredDocument], passStart: Int64) -> StatCache {
        var recorded: [String: (stamp: String, hash: String)] = [:]
        for (path, document) in stored {
            if let stamp = document.fileStamp, let hash = document.contentHash { recorded[path] = (stamp, hash) }
        }
        return StatCache(recorded: recorded, passStart: passStart)
    }

    /// The real-time clock in nanoseconds since the epoch: the clock file times are written with.
    @Sendable private static func wallClockNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
    }

    /// Documents a full pass must index before it looks for a source it copies (a moved folder's first pass indexes
    /// all of them again under its new name).
    static let copyCheckMinimum = 10

    /// Says so when most of this source's documents are, path and bytes, another source's on this host.
    private func noticeCopies(into summary: inout SyncSummary) async throws {
        guard let (source, shared, total) = try await store.sourceSharingTheMostDocuments(onHost: RagsyncConfiguration.hostName),
            shared >= Self.copyCheckMinimum, shared * 5 >= total * 4
        else { return }
        let copy = SourceCopy(source: source, shared: shared, total: total)
        summary.likelyCopyOf = copy
        logger.notice("\(copy.notice)", metadata: ["action": "duplicate-source", "source": "\(source)"])
    }

    /// How many chunks the re-cut files will have and how many inputs (chunks and outlines with no embedding yet)
    /// it will send. The files are read and cut once more for this; no embedding is requested.
    private func rechunkingCost(of files: [ContentSnapshot.File]) async throws -> (chunks: Int, toEmbed: Int) {
        var chunkHashes = Set<String>()
        var outlineHashes = Set<String>()
        var chunks = 0
        for file in files {
            guard let contents = try? await source.contents(of: file),
                let document = try? PreparedDocument(path: file.relativePath, contents: contents, chunker: chunker)
            else { continue }  // unreadable or unparsable: reported when it is indexed
            chunks += document.chunks.count
            chunkHashes.formUnion(document.chunks.map(\.contentHash.hex))
            if let outline = document.outline { outlineHashes.insert(outline.hash) }
        }
        let stored = try await store.embeddedHashes(among: Array(chunkHashes), outlines: Array(outlineHashes))
        return (chunks, chunkHashes.subtracting(stored.chunks).count + outlineHashes.subtracting(stored.outlines).count)
    }

    /// What a pass needs from the database: the records of the documents in scope and, on a full reconcile, what
    /// other writers changed (documents to write again, stray embeddings deleted). The statements share one
    /// connection, so they run one after the other.
    /// - Parameter digestChunking: the chunker's signature, to read the digest of the recorded stamps
    ///   (``DocumentStore/recordedStampDigest(chunking:)``) instead of the records, when the store has one; nil reads
    ///   the records.
    private static func storedState(
        in store: DocumentStore, for scope: ChangeBatch, contentDirectory: String, digestChunking: String?
    ) async throws -> (records: [String: StoredDocument]?, stampDigest: String?, drift: DriftCheck) {
        guard scope.isFullReconcile else {
            let records = try await store.documents(paths: Array(scope.files), folders: Array(scope.folders))
            return (records, nil, DriftCheck(drifted: [:], orphanedEmbeddingsDeleted: 0, scanned: false))
        }
        try await store.registerSource(contentDirectory: contentDirectory, host: RagsyncConfiguration.hostName)
        var records: [String: StoredDocument]?
        var stampDigest: String?
        if let digestChunking {
            stampDigest = try await store.recordedStampDigest(chunking: digestChunking)
        }
        // Without a digest (a record has no stamp yet, e.g. right after a cold index of new files, or a failure) the
        // records are needed: read now, beside the walk.
        if stampDigest == nil { records = try await store.documents() }
        try await store.deleteLeftoverVectors()
        return (records, stampDigest, try await store.checkDrift())
    }

    /// A batch of files made ready to write: read again, parsed, chunked, and its new chunks embedded.
    private struct PreparedBatch: Sendable {
        var documents: [PreparedDocument] = []
        /// Files that could not be read or parsed, with the hash of the bytes that failed (nil when unread).
        var failures: [(path: String, hash: String?, error: String, description: String)] = []
        /// The vectors just embedded, by chunk hash.
        var vectors: [String: [Float]] = [:]
        /// Chunk hashes just embedded whose vectors are staged in the store instead (``heldVectorBytes``).
        var staged: Set<String> = []
        /// Chunk hashes whose staged vectors this batch's transaction copies, then unstages: ``staged``, and those of
        /// a pass that stopped before writing them.
        var toUnstage: Set<String> = []
        /// Vectors embedded by earlier batches still being written, which this batch writes instead of copying.
        var carried: [String: [Float]] = [:]
        /// Set when the embedding service failed for this batch or an earlier one: nothing is written.
        var outage: EmbeddingError?
        var embedded = 0
        var reused = 0
        var tokens = 0
        var requests = 0
        var fileCount = 0
    }

    /// Indexes files in batches, as a pipeline: while batches are written (PostgreSQL's work), the next is read,
    /// parsed and embedded (ragsync's and the embedding service's work), so the two overlap.
    ///
    /// A pass of several batches writes them on ``bulkWriters``, two transactions at a time, so PostgreSQL works on
    /// two cores; the records are read on ``store``'s connection meanwhile. Each batch is still one transaction of
    /// distinct documents. Only the bytes of the batches in flight are in memory, whatever the number of files.
    private func index(
        _ files: [ContentSnapshot.File], into summary: inout SyncSummary, progress: (@Sendable (Int, Int) -> Void)?
    ) async throws {
        let plan = BatchPlan(sizes: files.map(\.byteCount), maxDocuments: documentsPerBatch, maxBytes: bytesPerBatch)
        let batches = plan.batches.map { Array(files[$0]) }
        guard let first = batches.first else { return }
        let inBulk = batches.count > 1 && !bulkWriters.isEmpty
        let writers = inBulk ? bulkWriters : [store]
        // The next batch, prepared while this one is written; nil when it waits for the writes in flight to end (an
        // oversized batch, or the one after it).
        var upcoming: Task<PreparedBatch, any Error>? = Task { try await prepare(first, inFlight: [:], outage: nil) }
        defer { upcoming?.cancel() }
        var outage: EmbeddingError?
        var writing: [(batch: PreparedBatch, write: Task<WrittenBatch?, any Error>)] = []
        var done = 0
        do {
            for position in batches.indices {
                try Task.checkCancellation()
                let preparing: Task<PreparedBatch, any Error>
                if let prepared = upcoming {
                    preparing = prepared
                } else {
                    while !writing.isEmpty {
                        done += try await recordOldest(of: &writing, into: &summary)
                        progress?(done, files.count)
                    }
                    // Every earlier batch committed: nothing to carry.
                    preparing = Task { [outage, files = batches[position]] in
                        try await prepare(files, inFlight: [:], outage: outage)
                    }
                }
                upcoming = nil
                // The preparing task is not a child: a stop must reach its embedding request explicitly.
                let batch = try await withTaskCancellationHandler {
                    try await preparing.value
                } onCancel: {
                    preparing.cancel()
                }
                outage = batch.outage
                if writing.count == writers.count {
                    done += try await recordOldest(of: &writing, into: &summary)
                    progress?(done, files.count)
                }
                if position + 1 < batches.count, !plan.isOversized[position], !plan.isOversized[position + 1] {
                    // The next batch copies nothing these batches embedded: their transactions may not have committed
                    // when it is written, so it is given their vectors.
                    let next = batches[position + 1]
                    var inFlight = batch.vectors
                    for other in writing { inFlight.merge(other.batch.vectors) { first, _ in first } }
                    upcoming = Task { [inFlight, outage = batch.outage] in
                        try await prepare(next, inFlight: inFlight, outage: outage)
                    }
                }
                try await recordFailures(of: batch, into: &summary)
                let writer = writers[position % writers.count]
                writing.append((batch, Task { try await write(batch, on: writer) }))
            }
            while !writing.isEmpty {
                done += try await recordOldest(of: &writing, into: &summary)
                progress?(done, files.count)
            }
        } catch {
            // No transaction outlives the pass: the writes in flight end (commit or roll back) before it throws.
            for pending in writing {
                pending.write.cancel()
                _ = try? await pending.write.value
            }
            throw error
        }
        if inBulk {
            // Their server connections are not kept for a daemon's single edits.
            for writer in writers { await writer.client.disconnect() }
        }
    }

    /// Reads and parses a batch, then embeds its chunks that have no embedding yet (unless the embedding service
    /// already failed in this pass).
    /// - Parameter inFlight: vectors of batches whose transactions may not have committed, by chunk hash.
    private func prepare(
        _ files: [ContentSnapshot.File], inFlight: [String: [Float]], outage: EmbeddingError?
    ) async throws -> PreparedBatch {
        var batch = PreparedBatch(outage: outage, fileCount: files.count)
        for file in files {
            try Task.checkCancellation()
            do {
                let contents = try await source.contents(of: file)
                do {
                    batch.documents.append(
                        try PreparedDocument(file: file, contents: contents, chunker: chunker))
                } catch {
                    batch.failures.append((file.relativePath, contents.hash, error.message, error.description))
                }
            } catch where error.reason == .vanished {
                // Moved or deleted since the walk: its own events bring a pass that removes or renames it.
                logger.debug("\(file.relativePath) vanished before it was read", metadata: ["document": "\(file.relativePath)"])
            } catch {
                batch.failures.append((file.relativePath, nil, error.description, error.description))
            }
        }
        guard batch.outage == nil, !batch.documents.isEmpty else { return batch }
        do {
            let hashes = Array(Set(batch.documents.flatMap { $0.chunks.map(\.contentHash.hex) }))
            let stored = try await store.embeddedHashes(
                among: hashes, outlines: Array(Set(batch.documents.compactMap(\.outline?.hash))))
            try await embedMissing(
                in: &batch, alreadyEmbedded: stored.chunks.union(stored.outlines).union(inFlight.keys))
            batch.toUnstage = batch.staged.union(stored.staged)
            // What an earlier batch in flight embedded is written with this batch's rows, not copied from the store.
            for hash in hashes + batch.documents.compactMap(\.outline?.hash) where batch.vectors[hash] == nil {
                if let vector = inFlight[hash] { batch.carried[hash] = vector }
            }
        } catch let error as EmbeddingError {
            // A cancelled transfer is the daemon stopping, not an outage to record against the files.
            if Task.isCancelled { throw CancellationError() }
            batch.outage = error
        }
        return batch
    }

    /// Records a batch's failures, and its documents as failed when the embedding service is out.
    private func recordFailures(of batch: PreparedBatch, into summary: inout SyncSummary) async throws {
        for failure in batch.failures {
            summary.failures.append((failure.path, failure.error))
            logger.error(
                "failed to index \(failure.path): \(failure.error)",
                metadata: ["document": "\(failure.path)", "action": "failed", "error": "\(failure.error)"])
            try await store.recordFailure(failure.path, contentHash: failure.hash, error: failure.description)
        }
        summary.chunksEmbedded += batch.embedded
        summary.chunksReused += batch.reused
        summary.tokensSent += batch.tokens
        summary.embeddingRequests += batch.requests
        guard let outage = batch.outage else { return }
        for document in batch.documents {
            summary.failures.append((document.relativePath, outage.description))
            summary.deferred.append(document.relativePath)
            summary.outage = outage
            // No failed hash: an outage is not the file's fault, so the next reconcile tries again.
            try await store.recordFailure(document.relativePath, contentHash: nil, error: outage.description)
        }
    }

    /// What a batch's transaction wrote.
    private struct WrittenBatch: Sendable {
        var results: [DocumentWriteResult]
        /// Chunks embedded again because a stored embedding to copy vanished meanwhile.
        var reembedded: Set<String>
        var milliseconds: Int
    }

    /// Writes the batch's documents in one transaction on `writer`'s connection; nil when there is nothing to write.
    private func write(_ batch: PreparedBatch, on writer: DocumentStore) async throws -> WrittenBatch? {
        let documents = batch.documents
        guard batch.outage == nil, !documents.isEmpty else { return nil }
        var vectors = batch.vectors.merging(batch.carried) { own, _ in own }
        var toUnstage = batch.toUnstage
        var reembedded = Set<String>()
        try Task.checkCancellation()
        let started = ContinuousClock.now
        let results: [DocumentWriteResult]
        do {
            results = try await writer.replace(documents.map { $0.update(vectors: vectors, staged: toUnstage) })
        } catch DocumentStoreError.embeddingVanished(let hashes) {
            // A copied embedding vanished (another writer deleted it): embed those chunks and write again.
            let texts = Dictionary(
                documents.flatMap { $0.chunks.map { ($0.contentHash.hex, $0.text) } }, uniquingKeysWith: { first, _ in first })
            let missing = hashes.compactMap { hash in texts[hash].map { (hash: hash, text: $0) } }
            let again = try await embed(chunks: missing, outlines: [])
            vectors.merge(again.held) { _, new in new }
            toUnstage.formUnion(again.staged)
            reembedded = Set(missing.map(\.hash))
            results = try await writer.replace(documents.map { $0.update(vectors: vectors, staged: toUnstage) })
        }
        if !toUnstage.isEmpty {
            // The stored embeddings stand for them now. Left behind, they are reused or deleted within the hour.
            do {
                try await writer.unstageEmbeddings(hashes: Array(toUnstage))
            } catch {
                logger.warning(
                    "could not delete \(toUnstage.count) staged vector(s) after writing them: \(error); a full pass deletes them within the hour",
                    metadata: ["action": "unstage", "error": "\(error)"])
            }
        }
        return WrittenBatch(
            results: results, reembedded: reembedded,
            milliseconds: Int((ContinuousClock.now - started).seconds * 1000))
    }

    /// Waits for the oldest write in flight and records it.
    /// - Returns: the number of files its batch covered.
    private func recordOldest(
        of writing: inout [(batch: PreparedBatch, write: Task<WrittenBatch?, any Error>)], into summary: inout SyncSummary
    ) async throws -> Int {
        guard !writing.isEmpty else { return 0 }
        let oldest = writing.removeFirst()
        try await record(oldest.batch, written: try await oldest.write.value, into: &summary)
        return oldest.batch.fileCount
    }

    /// Logs a written batch's documents and counts them.
    private func record(_ batch: PreparedBatch, written: WrittenBatch?, into summary: inout SyncSummary) async throws {
        guard let written else { return }
        let documents = batch.documents
        summary.chunksEmbedded += written.reembedded.count
        for (document, result) in zip(documents, written.results) {
            let embedded = Set(document.chunks.map(\.contentHash.hex)).filter {
                batch.vectors[$0] != nil || batch.staged.contains($0) || written.reembedded.contains($0)
            }
            log(document, result, embedded: embedded.count,
                milliseconds: written.milliseconds, batch: documents.count)
        }
        summary.indexed += documents.count
        summary.lastChanged = documents.last?.relativePath ?? summary.lastChanged
    }

    /// Embeds the batch's chunks whose hash has no embedding, each distinct text once, in as few requests as the
    /// provider allows.
    private func embedMissing(in batch: inout PreparedBatch, alreadyEmbedded: Set<String>) async throws {
        let chunks = EmbeddingPlan(
            chunks: batch.documents.flatMap { $0.chunks.map { ($0.contentHash.hex, $0.text) } },
            alreadyEmbedded: alreadyEmbedded)
        // Outlines ride in the same requests; their hashes live in a namespace of their own.
        let outlines = EmbeddingPlan(
            chunks: batch.documents.compactMap { $0.outline.map { ($0.hash, $0.text) } }, alreadyEmbedded: alreadyEmbedded)
        batch.reused += chunks.reused
        let vectors = try await embed(
            chunks: Array(zip(chunks.hashes, chunks.texts)), outlines: Array(zip(outlines.hashes, outlines.texts)))
        batch.embedded += chunks.texts.count
        batch.tokens += vectors.promptTokens
        batch.requests += vectors.requestCount
        batch.vectors = vectors.held
        batch.staged = vectors.staged
    }

    /// Vectors just embedded: in memory, or staged in the store.
    private struct NewVectors {
        var held: [String: [Float]] = [:]
        var staged: Set<String> = []
        var promptTokens = 0
        var requestCount = 0
    }

    /// Embeds chunks and outlines (distinct hashes), holding at most ``heldVectorBytes`` of their vectors: when
    /// there are more, the chunks are embedded in slices of that size, each staged in the store before the next is
    /// sent. Outlines, one per document, are held.
    private func embed(
        chunks: [(hash: String, text: String)], outlines: [(hash: String, text: String)]
    ) async throws -> NewVectors {
        var vectors = NewVectors()
        var held = chunks + outlines
        let vectorsPerSlice = max(1, heldVectorBytes / max(1, embedder.dimensions * MemoryLayout<Float>.size))
        if held.count > vectorsPerSlice {
            logger.info(
                "embedding \(chunks.count) chunks in slices of \(vectorsPerSlice), staged in the database until their transaction (RAGSYNC_MAX_HELD_VECTOR_BYTES)",
                metadata: ["action": "staging", "chunks": "\(chunks.count)", "slice": "\(vectorsPerSlice)"])
            for start in stride(from: 0, to: chunks.count, by: vectorsPerSlice) {
                let slice = chunks[start..<min(chunks.count, start + vectorsPerSlice)]
                let response = try await embedder.embed(slice.map(\.text))
                try await store.stageEmbeddings(hashes: slice.map(\.hash), vectors: response.vectors)
                vectors.staged.formUnion(slice.map(\.hash))
                vectors.promptTokens += response.promptTokens
                vectors.requestCount += response.requestCount
            }
            held = outlines
        }
        guard !held.isEmpty else { return vectors }
        let response = try await embedder.embed(held.map(\.text))
        vectors.promptTokens += response.promptTokens
        vectors.requestCount += response.requestCount
        vectors.held = Dictionary(zip(held.map(\.hash), response.vectors), uniquingKeysWith: { first, _ in first })
        return vectors
    }

    /// One journal entry per document written; `duration_ms` is the transaction's, shared by the batch.
    private func log(
        _ document: PreparedDocument, _ result: DocumentWriteResult, embedded: Int, milliseconds: Int, batch: Int
    ) {
        logger.info(
            "indexed \(document.relativePath): \(document.chunks.count) chunks, \(embedded) embedded",
            metadata: [
                "document": "\(document.relativePath)", "action": "indexed", "chunks": "\(document.chunks.count)",
                "chunks_embedded": "\(embedded)", "chunks_reused": "\(document.chunks.count - embedded)",
                "chunks_inserted": "\(result.inserted)", "chunks_kept": "\(result.kept)",
                "chunks_deleted": "\(result.deleted)", "duration_ms": "\(milliseconds)", "batch_documents": "\(batch)",
            ])
        for warning in document.warnings {
            logger.warning("\(document.relativePath): \(warning)", metadata: ["document": "\(document.relativePath)"])
        }
    }
}

extension StoredDocument {
    /// What planning needs of the record.
    var planRecord: SyncPlan.Record {
        SyncPlan.Record(
            sourceFile: sourceFile, contentHash: contentHash, failedHash: failedHash, lastError: lastError,
            chunking: chunking)
    }
}
