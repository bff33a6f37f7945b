// ragsync — Migration: the `ragsync migrate` command's work.

internal import IndexStore
public import Logging
internal import Postgres

/// Runs the schema migrations against the configured database.
public enum Migration {
    /// Migrates, records the configured model with its dimension, and describes what happened in one line.
    /// - Returns: a summary such as `schema at version 12 (applied 1, …, 12); ids: uuid; models: m (1536, active)
    ///   on postgresql://u:***@h/db`.
    /// - Throws: `StoreError` `.dimensionMismatch` when the database holds the configured model's vectors with
    ///   another dimension.
    public static func run(configuration: RagsyncConfiguration, logger: Logger) async throws -> String {
        let preparation = configuration.makeStatementPreparation(logger: logger)
        let client = configuration.makeDatabaseClient(preparation: preparation)
        let migrator = SchemaMigrator(
            dimensions: configuration.embeddingDimensions, textSearchConfiguration: configuration.textSearchConfiguration)
        let report = try await migrator.migrate(on: client, logger: logger)
        let catalog = ModelCatalog(client: client, schema: report.schema)
        try await catalog.register(configuration.embeddingModel, dimensions: configuration.embeddingDimensions)
        let models = try await catalog.models().map { "\($0.name) (\($0.dimensions)\($0.isActive ? ", active" : ""))" }
        let applied =
            report.appliedVersions.isEmpty
            ? "already current" : "applied \(report.appliedVersions.map(String.init).joined(separator: ", "))"
        return "schema at version \(SchemaMigrator.latestVersion) (\(applied)); ids: \(report.schema.chunkIdType.sqlName), "
            + "models: \(models.joined(separator: ", ")) on \(client.redactedTarget)"
    }
}
