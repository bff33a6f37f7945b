// ragsync — UpkeepSchedule: when the daemon checks the vector index after a pass.

/// Index upkeep after every full reconcile and every large pass, and after small passes at most once a minute.
///
/// The check counts `chunk_embeddings` exactly, which reads the whole table (a page per row once vectors are stored
/// inline: 45 ms at 24,000 rows). Run after every save, it delayed the save that came next by as much; one edit
/// cannot move the row count across a threshold that a minute's edits plus the periodic reconcile would miss.
public struct UpkeepSchedule: Sendable {
    public var interval: Duration = .seconds(60)
    private var last: ContinuousClock.Instant?

    public init() {}

    /// Whether a pass that changed something calls for the check now.
    public func isDue(after summary: SyncSummary, at now: ContinuousClock.Instant = .now) -> Bool {
        guard let last else { return true }
        return summary.isBulk || now - last >= interval
    }

    public mutating func ran(at now: ContinuousClock.Instant = .now) {
        last = now
    }
}
