// ragsync — Migration: the `ragsync migrate` command's work.

internal import IndexStore
public import Logging
internal import Postgres

/// Runs the schema migrations against the configured database.
public enum Migration {
    /// Migrates and describes what happened in one line.
    /// - Parameter resizeEmptyEmbeddings: resize an empty `chunk_embeddings.embedding` to the configured dimension.
    /// - Returns: a summary such as `schema at version 2 (applied 1, 2) on postgresql://u:***@h/db`.
    public static func run(
        configuration: RagsyncConfiguration, resizeEmptyEmbeddings: Bool, logger: Logger
    ) async throws -> String {
        let client = PostgresClient(url: configuration.databaseURL)
        let migrator = SchemaMigrator(
            dimensions: configuration.embeddingDimensions, textSearchConfiguration: configuration.textSearchConfiguration)
        let report = try await migrator.migrate(
            on: client, resizeEmptyEmbeddings: resizeEmptyEmbeddings, logger: logger)
        let applied =
            report.appliedVersions.isEmpty
            ? "already current" : "applied \(report.appliedVersions.map(String.init).joined(separator: ", "))"
        return "schema at version \(SchemaMigrator.latestVersion) (\(applied)); ids: \(report.schema.chunkIdType.sqlName), "
            + "embeddings: vector(\(report.schema.embeddingDimensions.map(String.init) ?? "any")) on \(client.redactedTarget)"
    }
}
