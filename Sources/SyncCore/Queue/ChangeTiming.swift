// ragsync — ChangeTiming: how long changed paths wait before a pass, and how many may wait.

/// The coalescer's settings.
///
/// A lone save should cost no latency, a file being written should settle, and a burst should become one pass;
/// the capacity bounds memory whatever the event rate.
public struct ChangeTiming: Sendable, Equatable {
    /// How long a file being written must stay quiet.
    public var settle: Duration = .milliseconds(400)
    /// How long a file moved away waits for an editor's new version.
    public var removalSettle: Duration = .milliseconds(600)
    /// How long an unlink waits, so the unlinks of an `rm -r` arrive together.
    public var deletionSettle: Duration = .milliseconds(10)
    /// The longest any change waits.
    public var maximumWait: Duration = .seconds(5)
    /// Distinct paths tracked before they are dropped for one full reconcile.
    public var capacity = 10_000

    public init() {}
}
