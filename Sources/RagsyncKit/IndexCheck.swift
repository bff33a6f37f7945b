// ragsync — IndexCheck: `ragsync check`, comparing the database with the content directory and exact search.

public import IndexStore
import Postgres
import SyncCore

/// What `ragsync check` found, changing nothing: documents that differ between disk and database, and the vector
/// index's recall@10 against exact search over a sample of stored chunks used as queries.
public struct IndexCheck: Sendable {
    /// On disk, not in the database.
    public var missing: [String] = []
    /// In both, but the database holds other bytes' chunks.
    public var stale: [String] = []
    /// In the database, no longer on disk.
    public var orphaned: [String] = []
    /// Documents whose rows were edited or deleted by hand (chunk count, content, embeddings), with the reason;
    /// the next full reconcile writes them again.
    public var damaged: [(path: String, reason: String)] = []
    /// Embeddings whose chunk is gone; the next full reconcile deletes them.
    public var orphanedEmbeddings = 0
    /// Documents whose last attempt failed, with the error.
    public var failed: [(path: String, error: String)] = []
    public var index: VectorIndexState?
    public var recall: RecallMeasurement.Result?
    /// False when a folder could not be listed, so orphans cannot be told.
    public var isComplete = true

    /// True when the database does not match the content directory.
    public var hasDrift: Bool {
        !missing.isEmpty || !stale.isEmpty || !orphaned.isEmpty || !damaged.isEmpty || orphanedEmbeddings > 0
    }

    /// Runs the check.
    /// - Parameter samples: chunks used as queries for the recall measurement.
    public static func run(context: RagsyncContext, samples: Int = 50) async throws -> IndexCheck {
        var check = IndexCheck()
        let source = ContentSource(
            scanner: try ContentScanner(root: context.configuration.contentDirectory, fileSystem: GlibcFileSystem()),
            maxFileBytes: context.configuration.maxFileBytes)
        let snapshot = await source.snapshot(of: ChangeBatch(isFullReconcile: true))
        let stored = try await context.store.documents()
        var onDisk = Set(snapshot.unreadable.map(\.relativePath))
        for file in snapshot.files {
            onDisk.insert(file.relativePath)
            guard let record = stored[file.relativePath], record.contentHash != nil else {
                check.missing.append(file.relativePath)
                continue
            }
            if record.contentHash != file.hash { check.stale.append(file.relativePath) }
        }
        check.isComplete = snapshot.isComplete
        if snapshot.isComplete {
            check.orphaned = stored.values.filter { $0.contentHash != nil && !onDisk.contains($0.sourceFile) }
                .map(\.sourceFile).sorted()
        }
        check.damaged = try await context.store.driftedDocuments().map { (path: $0.key, reason: $0.value) }
            .sorted { $0.path < $1.path }
        check.orphanedEmbeddings = try await context.store.orphanedEmbeddingCount()
        check.failed = stored.values.compactMap { record in record.lastError.map { (record.sourceFile, $0) } }
            .sorted { $0.path < $1.path }
        let measurement = RecallMeasurement(samples: samples)
        let model = context.store.model
        (check.index, check.recall) = try await context.client.withConnection { connection in
            (try VectorIndexState.read(model: model, from: connection), try measurement.measure(model: model, on: connection))
        }
        return check
    }

    /// The report as printed.
    public var lines: [String] {
        var lines: [String] = []
        if let index {
            var text = "vector index: \(index.method)"
            if let lists = index.lists { text += " lists=\(lists)" }
            if let probes = index.probes { text += " probes=\(probes)" }
            if let built = index.builtForRows { text += ", built for \(built) embeddings" }
            if let reason = index.exactReason { text += " (\(reason))" }
            lines.append(text)
        } else {
            lines.append("vector index: none (exact search)")
        }
        if let recall {
            lines.append(
                "recall@10: \(recall.recall.fixedPoint(3)) over \(recall.queries) queries "
                    + "(fewest rows returned: \(recall.fewestRows))")
        } else {
            lines.append("recall@10: no embeddings to measure")
        }
        lines.append(
            "documents: \(missing.count) missing, \(stale.count) stale, \(orphaned.count) orphaned, \(damaged.count) damaged, "
                + "\(failed.count) failed")
        for path in missing { lines.append("missing: \(path) (on disk, not indexed)") }
        for path in stale { lines.append("stale: \(path) (changed on disk since it was indexed)") }
        for path in orphaned { lines.append("orphaned: \(path) (indexed, no longer on disk)") }
        for (path, reason) in damaged { lines.append("damaged: \(path): \(reason); `ragsync sync` writes it again") }
        if orphanedEmbeddings > 0 {
            lines.append("embeddings whose chunk is gone: \(orphanedEmbeddings); `ragsync sync` deletes them")
        }
        for (path, error) in failed { lines.append("failed: \(path): \(error)") }
        if !isComplete { lines.append("warning: a folder could not be listed; orphans were not looked for") }
        return lines
    }
}
