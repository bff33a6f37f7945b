// ragsync — UpkeepSchedule: the vector index is checked after large passes at once, after small ones once a minute.

import RagsyncKit
import Testing

@Suite("Index upkeep schedule")
struct UpkeepScheduleTests {
    private let start = ContinuousClock.now

    private func pass(indexed: Int, chunks: Int = 0) -> SyncSummary {
        var summary = SyncSummary()
        summary.indexed = indexed
        summary.chunksReused = chunks
        return summary
    }

    @Test func theFirstPassIsChecked() {
        #expect(UpkeepSchedule().isDue(after: pass(indexed: 1), at: start))
    }

    @Test func smallPassesAreCheckedOnceAMinute() {
        var schedule = UpkeepSchedule()
        schedule.ran(at: start)
        #expect(!schedule.isDue(after: pass(indexed: 1), at: start + .seconds(5)))
        #expect(schedule.isDue(after: pass(indexed: 1), at: start + schedule.interval))
    }

    @Test func aLargePassIsCheckedAtOnce() {
        var schedule = UpkeepSchedule()
        schedule.ran(at: start)
        #expect(schedule.isDue(after: pass(indexed: SyncSummary.bulkDocuments), at: start + .seconds(1)))
        #expect(schedule.isDue(after: pass(indexed: 3, chunks: SyncSummary.bulkChunks), at: start + .seconds(1)))
    }
}
