// ragsync — RagsyncFailure: which exit status an error ends a command with.

internal import IndexStore
internal import Postgres

/// Maps errors to exit statuses, so scripts and systemd can tell a configuration problem from an outage.
public enum RagsyncFailure {
    /// 78 (EX_CONFIG) for configuration and schema problems the operator must fix, 69 (EX_UNAVAILABLE) for an
    /// unreachable database, 1 otherwise.
    public static func exitStatus(for error: any Error) -> Int32 {
        switch error {
        case is ConfigurationError, is StoreError, is ContentDirectoryError:
            return ConfigurationError.exitStatus
        case let error as PostgresError where error.code == .connectionFailed:
            // A refused password is a configuration error; an unreachable server is an outage.
            return error.message.contains("password authentication failed") ? ConfigurationError.exitStatus : 69
        default:
            return 1
        }
    }
}
