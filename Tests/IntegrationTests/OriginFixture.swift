// ragsync — the origin project's schemas (uuid or integer ids), as SQL fixtures loaded into a test database.

import Foundation
import IndexStore
import Logging
import Postgres
import Testing

enum OriginFixture {
    /// Runs `Fixtures/<name>.sql` (e.g. `origin-uuid`, `origin-integer`) on the database.
    static func load(_ name: String, into client: PostgresClient) async throws {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "sql", subdirectory: "Fixtures"))
        let sql = try String(contentsOf: url, encoding: .utf8)
        try await client.withConnection { try $0.execute(sql) }
    }

    /// The fixture loaded and migrated by ragsync (1536 dimensions), with a store writing as `model`.
    static func migratedStore(_ name: String, into client: PostgresClient, model: String) async throws -> DocumentStore {
        try await load(name, into: client)
        let report = try await SchemaMigrator(dimensions: 1536).migrate(on: client, logger: Logger(label: "test"))
        return DocumentStore(client: client, schema: report.schema, model: model, source: "origin-test")
    }

    /// A vector of the migrated fixture's 1536 dimensions, 1 at `index` and 0 elsewhere.
    static func unitVector(at index: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: 1536)
        vector[index] = 1
        return vector
    }
}
