// ragsync — ChangeQueue on an injected clock: a change waits for the clock, not for the wall.

import RagsyncTestSupport
import Synchronization
import SyncCore
import Testing

@Suite("Change queue on an injected clock")
struct ChangeQueueClockTests {
    @Test func aFileBeingWrittenIsHandedOutOnlyOnceTheClockPassesItsSettleTime() async throws {
        let clock = ManualClock()
        let queue = ChangeQueue(clock: clock)
        let handedOut = Mutex(false)
        queue.record(.file("notes.md", .settling))
        let taker = Task {
            let batch = await queue.next()
            handedOut.withLock { $0 = true }
            return batch
        }
        // The taker sleeps on the clock until the settle time; nothing moves until the test moves time.
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: .milliseconds(399))
        for _ in 0..<1_000 { await Task.yield() }
        #expect(!handedOut.withLock { $0 }, "handed out before the settle time")
        clock.advance(by: .milliseconds(1))
        let batch = await taker.value
        #expect(batch == ChangeBatch(files: ["notes.md"]))
    }

    @Test func aFinishedWriteNeedsNoTimeToPass() async {
        let queue = ChangeQueue(clock: ManualClock())
        queue.record(.file("notes.md", .immediate))
        #expect(await queue.next() == ChangeBatch(files: ["notes.md"]))
    }
}
