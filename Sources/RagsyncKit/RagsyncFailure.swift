// ragsync — RagsyncFailure: what kind of failure an error is, and which exit status a command ends with.

internal import Embedding
internal import IndexStore
internal import Postgres
internal import SyncCore

/// The one place that classifies errors, so the daemon, the commands and systemd agree on what an error means.
public enum RagsyncFailure {
    /// What an error asks of whoever caught it.
    public enum Kind: Sendable, Equatable {
        /// A server is down or busy (the database, the embedding service): wait and try the same work again.
        case outage
        /// One document cannot be indexed as it is: record the error against it and go on with the others.
        case document
        /// A setting, the schema or a credential is wrong: nothing works until the operator fixes it (exit 78).
        case configuration
        /// Anything else: reported, and retried by the daemon with backoff.
        case other
    }

    /// Classifies an error.
    public static func kind(of error: any Error) -> Kind {
        switch error {
        case is ConfigurationError, is StoreError, is ContentDirectoryError:
            return .configuration
        case let error as PostgresError:
            if error.isAuthenticationFailure { return .configuration }
            return error.isTransient ? .outage : .other
        case let error as EmbeddingError:
            switch error.exitStatus {
            case 78, 77: return .configuration
            default: return error.isRetryable || error.exitStatus == 69 ? .outage : .other
            }
        case is ContentReadError:
            return .document
        default:
            return .other
        }
    }

    /// 78 (EX_CONFIG) for configuration and schema problems the operator must fix, 69 (EX_UNAVAILABLE) for an
    /// outage, 1 otherwise.
    public static func exitStatus(for error: any Error) -> Int32 {
        // The embedding client's sysexits codes say more (EX_NOPERM for a refused key, EX_PROTOCOL for a bad reply).
        if let error = error as? EmbeddingError { return error.exitStatus }
        switch kind(of: error) {
        case .configuration: return ConfigurationError.exitStatus
        case .outage: return 69
        case .document, .other: return 1
        }
    }
}
