// ragsync — ChangeCoalescer under a seeded random stream of events, clock advances, overflows and given-back batches.

import RagsyncKit
import SyncCore
import RagsyncTestSupport
import Testing

@Suite("Change coalescing, randomized")
struct ChangeCoalescerSimulationTests {
    private enum Key: Hashable {
        case file(String)
        case folder(String)
    }

    @Test(arguments: SeededGenerator.seeds(default: [1, 2, 3, 0x5eed]))
    func noChangeWaitsLongerThanTheMaximumAndMemoryStaysBounded(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var timing = ChangeTiming()
        timing.capacity = 40
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>(timing: timing)
        let files = (0..<120).map { "d\($0 % 7)/f\($0).md" }
        let folders = (0..<7).map { "d\($0)" } + ["d1/sub", ""]
        let start = ContinuousClock.now
        var now = start
        // The model: every change not yet handed out in a batch, with when it was first seen.
        var unserved: [Key: ContinuousClock.Instant] = [:]
        var taken: [ChangeBatch] = []
        var failure: String?

        for step in 0..<100_000 where failure == nil {
            switch random.next() % 100 {
            case 0..<45:
                let path = files[Int(random.next() % UInt64(files.count))]
                let urgency: [ChangeUrgency] = [.immediate, .settling, .removal, .deletion]
                coalescer.fileChanged(path, urgency: urgency[Int(random.next() % 4)], at: now)
                unserved[.file(path)] = unserved[.file(path)] ?? now
            case 45..<52:
                let folder = folders[Int(random.next() % UInt64(folders.count))]
                coalescer.folderChanged(folder, at: now)
                unserved[.folder(folder)] = unserved[.folder(folder)] ?? now
            case 52..<53:
                coalescer.fullReconcileRequested(at: now)
            case 53..<56:
                if let batch = taken.popLast() {
                    coalescer.batchReturned(batch, at: now)
                    for file in batch.files { unserved[.file(file)] = unserved[.file(file)] ?? now }
                    for folder in batch.folders { unserved[.folder(folder)] = unserved[.folder(folder)] ?? now }
                }
            case 56..<80:
                now = now + .milliseconds(Int64(random.next() % 1500))
            default:
                if let batch = coalescer.takeReady(at: now) {
                    if batch.isFullReconcile { unserved.removeAll() }
                    for file in batch.files { unserved[.file(file)] = nil }
                    for folder in batch.folders { unserved[.folder(folder)] = nil }
                    let outer = batch.outermostFolders
                    if !batch.folders.allSatisfy({ folder in outer.contains { $0.isEmpty || folder == $0 || folder.hasPrefix($0 + "/") } }) {
                        failure = "step \(step): a folder of the batch is not covered by its outermost folders"
                    }
                    taken.append(batch)
                    if taken.count > 8 { taken.removeFirst() }
                }
                if let stale = unserved.first(where: { now - $0.value > timing.maximumWait }) {
                    failure = "step \(step): \(stale.key) waited \(now - stale.value), over the maximum \(timing.maximumWait)"
                }
            }
            if coalescer.pendingCount > timing.capacity + 1 {
                failure = "step \(step): \(coalescer.pendingCount) entries pending, over the capacity \(timing.capacity)"
            }
            if (coalescer.nextDeadline == nil) != (coalescer.pendingCount == 0) {
                failure = "step \(step): a deadline without pending entries, or the reverse"
            }
        }
        #expect(failure == nil, "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed)): \(failure ?? "")")
    }
}
