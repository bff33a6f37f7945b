// ragsync — SyncEngine: reconciles the content directory with the database, embedding only what is new.

public import Embedding
public import Foundation
public import IndexStore
public import Indexer
public import Logging

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
    private let source: ContentSource

    /// Documents prepared and embedded together; bounds memory on a cold index of thousands of files.
    public var documentsPerBatch = 200

    public init(
        store: DocumentStore, embedder: any EmbeddingProvider, chunker: Chunker, contentDirectory: URL,
        maxFileBytes: Int, logger: Logger
    ) throws {
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.logger = logger
        self.source = ContentSource(
            scanner: try ContentScanner(root: contentDirectory), reader: ContentFileReader(maxBytes: maxFileBytes))
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
        let snapshot = await source.snapshot(of: scope)
        let stored = try await store.documents().filter { scope.contains($0.key) }
        summary.scanned = snapshot.files.count + snapshot.unreadable.count
        summary.skipped = snapshot.skipped

        var pending: [ContentSource.File] = []
        var onDisk = Set<String>()
        for file in snapshot.files {
            onDisk.insert(file.relativePath)
            let record = stored[file.relativePath]
            if record?.contentHash == file.hash {
                summary.unchanged += 1
            } else if let record, record.failedHash == file.hash {
                // These exact bytes failed to parse before; they are retried when the file changes.
                summary.failures.append((file.relativePath, record.lastError ?? "failed before"))
            } else {
                pending.append(file)
            }
        }
        for unreadable in snapshot.unreadable {
            onDisk.insert(unreadable.relativePath)  // present, so never treated as deleted
            summary.failures.append((unreadable.relativePath, unreadable.error.description))
            logger.error(
                "failed to read \(unreadable.relativePath): \(unreadable.error)",
                metadata: [
                    "document": "\(unreadable.relativePath)", "action": "failed", "error": "\(unreadable.error)",
                ])
            try await store.recordFailure(
                unreadable.relativePath, contentHash: nil, error: unreadable.error.description)
        }

        // Stored documents that are gone from disk: renamed when their bytes reappear elsewhere, else deleted.
        var vanished = stored.values.filter { !onDisk.contains($0.sourceFile) }
        var forced = Set<String>()
        if !vanished.isEmpty {
            var vanishedByHash: [String: [StoredDocument]] = [:]
            for document in vanished { if let hash = document.contentHash { vanishedByHash[hash, default: []].append(document) } }
            for file in pending where stored[file.relativePath]?.contentHash == nil {
                guard var candidates = vanishedByHash[file.hash], let old = candidates.popLast() else { continue }
                vanishedByHash[file.hash] = candidates
                try await store.rename(from: old.sourceFile, to: file.relativePath)
                logger.info(
                    "renamed \(old.sourceFile) to \(file.relativePath)",
                    metadata: ["document": "\(file.relativePath)", "action": "renamed", "from": "\(old.sourceFile)"])
                summary.lastChanged = file.relativePath
                vanished.removeAll { $0.sourceFile == old.sourceFile }
                forced.insert(file.relativePath)
                summary.renamed += 1
            }
        }

        try await index(pending, into: &summary, progress: progress)

        if snapshot.isComplete {
            for document in vanished {
                let chunks = try await store.delete(document.sourceFile)
                logger.info(
                    "removed \(document.sourceFile)",
                    metadata: ["document": "\(document.sourceFile)", "action": "removed", "chunks": "\(chunks)"])
                summary.lastChanged = document.sourceFile
                summary.removed += 1
            }
        } else if !vanished.isEmpty {
            logger.warning(
                "not deleting \(vanished.count) document(s) missing from disk: a folder could not be listed",
                metadata: ["documents": "\(vanished.count)"])
        }
        summary.seconds = (ContinuousClock.now - started).seconds
        return summary
    }

    /// Indexes files in batches: prepare, embed what is new across the batch, write each document.
    private func index(
        _ files: [ContentSource.File], into summary: inout SyncSummary, progress: (@Sendable (Int, Int) -> Void)?
    ) async throws {
        var done = 0
        var embeddingOutage: EmbeddingError?
        for batchStart in stride(from: 0, to: files.count, by: documentsPerBatch) {
            try Task.checkCancellation()
            let batch = files[batchStart..<min(files.count, batchStart + documentsPerBatch)]
            var prepared: [PreparedDocument] = []
            for file in batch {
                do {
                    prepared.append(try PreparedDocument(file: file, chunker: chunker))
                } catch {
                    summary.failures.append((file.relativePath, error.message))
                    logger.error(
                        "failed to index \(file.relativePath): \(error.message)",
                        metadata: ["document": "\(file.relativePath)", "action": "failed", "error": "\(error.message)"])
                    try await store.recordFailure(file.relativePath, contentHash: file.hash, error: error.description)
                }
            }
            if let outage = embeddingOutage {
                for document in prepared { try await recordOutage(outage, for: document, into: &summary) }
            } else {
                do {
                    try await write(prepared, into: &summary)
                } catch let error as EmbeddingError {
                    // A cancelled transfer is the daemon stopping, not an outage to record against the files.
                    if Task.isCancelled { throw CancellationError() }
                    embeddingOutage = error
                    for document in prepared { try await recordOutage(error, for: document, into: &summary) }
                }
            }
            done += batch.count
            progress?(done, files.count)
        }
    }

    private func recordOutage(
        _ error: EmbeddingError, for document: PreparedDocument, into summary: inout SyncSummary
    ) async throws {
        summary.failures.append((document.file.relativePath, error.description))
        summary.deferred.append(document.file.relativePath)
        summary.outage = error
        // No failed hash: an outage is not the file's fault, so the next reconcile tries again.
        try await store.recordFailure(document.file.relativePath, contentHash: nil, error: error.description)
    }

    /// Embeds the batch's new chunks in as few requests as the provider allows, then writes the documents in one
    /// transaction.
    private func write(_ documents: [PreparedDocument], into summary: inout SyncSummary) async throws {
        guard !documents.isEmpty else { return }
        let allHashes = Array(Set(documents.flatMap { $0.chunks.map(\.contentHash.hex) }))
        let embedded = try await store.embeddedHashes(among: allHashes)
        var vectors = try await embedMissing(documents, alreadyEmbedded: embedded, into: &summary)
        try Task.checkCancellation()
        let started = ContinuousClock.now
        let results: [DocumentWriteResult]
        do {
            results = try await store.replace(documents.map { $0.update(vectors: vectors) })
        } catch DocumentStoreError.embeddingVanished(let hashes) {
            // A copied embedding vanished (another writer deleted it): embed those chunks and write again.
            let texts = Dictionary(
                documents.flatMap { $0.chunks.map { ($0.contentHash.hex, $0.text) } }, uniquingKeysWith: { first, _ in first })
            let response = try await embedder.embed(hashes.map { texts[$0]! })
            for (hash, vector) in zip(hashes, response.vectors) { vectors[hash] = vector }
            results = try await store.replace(documents.map { $0.update(vectors: vectors) })
        }
        let milliseconds = Int((ContinuousClock.now - started).seconds * 1000)
        for (document, result) in zip(documents, results) {
            log(document, result, embedded: Set(document.chunks.map(\.contentHash.hex)).filter { vectors[$0] != nil }.count,
                milliseconds: milliseconds, batch: documents.count)
        }
        summary.indexed += documents.count
        summary.lastChanged = documents.last!.file.relativePath
    }

    private func embedMissing(
        _ documents: [PreparedDocument], alreadyEmbedded: Set<String>, into summary: inout SyncSummary
    ) async throws -> [String: [Float]] {
        var texts: [String] = []
        var hashes: [String] = []
        var seen = alreadyEmbedded
        for document in documents {
            for chunk in document.chunks where seen.insert(chunk.contentHash.hex).inserted {
                hashes.append(chunk.contentHash.hex)
                texts.append(chunk.text)
            }
        }
        let reused = documents.reduce(0) { $0 + $1.chunks.count } - texts.count
        summary.chunksReused += reused
        guard !texts.isEmpty else { return [:] }
        let response = try await embedder.embed(texts)
        summary.chunksEmbedded += texts.count
        summary.tokensSent += response.promptTokens
        summary.embeddingRequests += response.requestCount
        return Dictionary(zip(hashes, response.vectors), uniquingKeysWith: { first, _ in first })
    }

    /// One journal entry per document written; `duration_ms` is the transaction's, shared by the batch.
    private func log(
        _ document: PreparedDocument, _ result: DocumentWriteResult, embedded: Int, milliseconds: Int, batch: Int
    ) {
        logger.info(
            "indexed \(document.file.relativePath): \(document.chunks.count) chunks, \(embedded) embedded",
            metadata: [
                "document": "\(document.file.relativePath)", "action": "indexed", "chunks": "\(document.chunks.count)",
                "chunks_embedded": "\(embedded)", "chunks_reused": "\(document.chunks.count - embedded)",
                "chunks_inserted": "\(result.inserted)", "chunks_kept": "\(result.kept)",
                "chunks_deleted": "\(result.deleted)", "duration_ms": "\(milliseconds)", "batch_documents": "\(batch)",
            ])
        for warning in document.warnings {
            logger.warning("\(warning)", metadata: ["document": "\(document.file.relativePath)"])
        }
    }
}
