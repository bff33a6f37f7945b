// ragsync — MessageID: journal MESSAGE_IDs for the daemon's lifecycle events.

/// Stable 128-bit identifiers for events an administrator may want to find with `journalctl MESSAGE_ID=…`
/// (as systemd's catalog does). Generated once with `systemd-id128 new`; never change them.
public enum MessageID {
    public static let started = "5a1d4c0e9b7f4c2a8e6d3b1f0c9a7e21"
    public static let ready = "8f3b2d6a1c4e4f0b9a7d5e3c1b2a4f60"
    public static let stopping = "c2e4a6b8d0f24e1c9b3a5d7f6e8c0a13"
    public static let reloading = "1b3d5f7a9c2e4b6d8f0a2c4e6b8d0f25"
    public static let reconciled = "e7c9a1b3d5f74e2a8c6b0d9f1e3a5c47"
    public static let eventsLost = "4d6f8b0a2c4e4d1f9b7a3c5e0d2f4b69"
    public static let directoryLost = "9a0c2e4b6d8f4a1c7e3b5d9f0a2c4e8b"
    public static let pollingFallback = "b5d7f9a1c3e54b2d8f6a0c4e2b7d9f1a"
    public static let databaseUnreachable = "3e5a7c9b1d2f4e6a8c0b4d6f8a1c3e5d"
    public static let embeddingUnavailable = "6c8e0a2b4d6f4c3e9a1b7d5f3c0e2a4b"
}
