// ragsync — StatusReport: what the database holds, for `ragsync status`.

import Foundation
public import Postgres

/// The index as the database sees it: documents, chunks, embeddings per model, documents in error.
public struct StatusReport: Sendable {
    public var documents = 0
    public var chunks = 0
    public var embeddingsByModel: [(model: String, count: Int)] = []
    public var errors: [(path: String, error: String)] = []
    public var lastIndexed: String?
    /// `source_file` values with chunks but no ragsync record (rows from the origin project or another tool).
    public var unmanagedSources = 0

    /// Reads the counts in one round of queries.
    public static func load(from client: PostgresClient) async throws -> StatusReport {
        try await client.withConnection { connection in
            var report = StatusReport()
            report.documents = try connection.query(
                "SELECT count(*) FROM ragsync_documents WHERE content_hash IS NOT NULL").scalarInt
            report.chunks = try connection.query("SELECT count(*) FROM document_chunks").scalarInt
            report.embeddingsByModel = try connection.query(
                "SELECT embedding_model, count(*) FROM chunk_embeddings GROUP BY 1 ORDER BY 1"
            ).rows.map { ($0[0] ?? "", Int($0[1] ?? "0") ?? 0) }
            report.errors = try connection.query(
                "SELECT source_file, last_error FROM ragsync_documents WHERE last_error IS NOT NULL ORDER BY 1"
            ).rows.map { ($0.first.flatMap { $0 } ?? "", $0.count > 1 ? $0[1] ?? "" : "") }
            report.lastIndexed = try connection.query(
                "SELECT to_char(max(indexed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM ragsync_documents"
            ).scalar
            report.unmanagedSources = try connection.query(
                """
                SELECT count(DISTINCT c.source_file) FROM document_chunks c
                WHERE NOT EXISTS (SELECT 1 FROM ragsync_documents d WHERE d.source_file = c.source_file)
                """
            ).scalarInt
            return report
        }
    }

    /// The report as printed.
    public var lines: [String] {
        var lines = [
            "documents: \(documents)",
            "chunks: \(chunks)",
        ]
        if embeddingsByModel.isEmpty {
            lines.append("embeddings: none")
        }
        for (model, count) in embeddingsByModel { lines.append("embeddings (\(model)): \(count)") }
        lines.append("last indexed: \(lastIndexed ?? "never")")
        if unmanagedSources > 0 {
            lines.append("unmanaged: \(unmanagedSources) source file(s) with rows ragsync did not write (kept as they are)")
        }
        lines.append("documents in error: \(errors.count)")
        for (path, error) in errors { lines.append("  \(path): \(error)") }
        return lines
    }
}
