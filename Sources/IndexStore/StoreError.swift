// ragsync — StoreError: problems with the database's schema or contents that the operator must act on.

/// A schema or data problem found in the database, as opposed to a connection or SQL failure
/// (those are `PostgresError`).
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The database holds vectors of the configured model with another dimension than configured.
        case dimensionMismatch(database: Int, configured: Int)
        /// The database holds no vectors of the model named.
        case unknownModel
        /// Chunks have no vector of the model to activate.
        case incompleteModel(missing: Int)
        /// The active model cannot be pruned.
        case activeModel
        /// The `vector` extension is missing and cannot be created by this role.
        case vectorExtensionMissing
        /// An existing table has a column type ragsync cannot work with.
        case unsupportedSchema
        /// `ragsync migrate` has not been run on this database.
        case notMigrated
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
