// ragsync — ChangeCoalescer: when each kind of event becomes ready, with time given as input.

import RagsyncKit
import SyncCore
import Testing

@Suite("Change coalescing")
struct ChangeCoalescerTests {
    private let start = ContinuousClock.now
    private let timing = ChangeTiming()

    @Test func aFinishedWriteIsReadyAtOnce() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.fileChanged("a.md", urgency: .immediate, at: start)
        #expect(coalescer.takeReady(at: start) == ChangeBatch(files: ["a.md"]))
        #expect(coalescer.pendingCount == 0)
    }

    @Test func aFileBeingWrittenWaitsUntilItIsQuiet() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.fileChanged("a.md", urgency: .settling, at: start)
        #expect(coalescer.takeReady(at: start + .milliseconds(100)) == nil)
        coalescer.fileChanged("a.md", urgency: .settling, at: start + .milliseconds(300))
        #expect(coalescer.takeReady(at: start + timing.settle) == nil)
        #expect(coalescer.nextDeadline == start + .milliseconds(300) + timing.settle)
        #expect(coalescer.takeReady(at: start + .milliseconds(300) + timing.settle) == ChangeBatch(files: ["a.md"]))
    }

    @Test func aFileWrittenWithoutPauseIsTakenAfterTheMaximumWait() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        var now = start
        while now < start + timing.maximumWait + .seconds(1) {
            coalescer.fileChanged("log.md", urgency: .settling, at: now)
            now = now + .milliseconds(100)
        }
        #expect(coalescer.nextDeadline == start + timing.maximumWait)
        #expect(coalescer.takeReady(at: start + timing.maximumWait) == ChangeBatch(files: ["log.md"]))
    }

    @Test func aCloseAfterModificationsMakesTheFileReady() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.fileChanged("a.md", urgency: .settling, at: start)
        coalescer.fileChanged("a.md", urgency: .immediate, at: start + .milliseconds(10))
        #expect(coalescer.takeReady(at: start + .milliseconds(10)) == ChangeBatch(files: ["a.md"]))
    }

    @Test func aRemovalWaitsLongerThanAWrite() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.fileChanged("a.md", urgency: .removal, at: start)
        #expect(coalescer.takeReady(at: start + timing.settle) == nil)
        #expect(coalescer.takeReady(at: start + timing.removalSettle) == ChangeBatch(files: ["a.md"]))
    }

    @Test func anUnlinkWaitsOnlyTheShortDeletionSettle() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.fileChanged("a.md", urgency: .deletion, at: start)
        #expect(coalescer.takeReady(at: start) == nil)
        #expect(coalescer.takeReady(at: start + timing.deletionSettle) == ChangeBatch(files: ["a.md"]))
        #expect(timing.deletionSettle < timing.settle)
    }

    @Test func aRemovalFollowedBySaveIsOneImmediateChange() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.fileChanged("a.md", urgency: .removal, at: start)
        coalescer.fileChanged("a.md", urgency: .immediate, at: start + .milliseconds(5))
        #expect(coalescer.takeReady(at: start + .milliseconds(5)) == ChangeBatch(files: ["a.md"]))
    }

    @Test func repeatedChangesToOnePathBecomeOneEntry() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        for offset in 0..<50 { coalescer.fileChanged("a.md", urgency: .immediate, at: start + .milliseconds(offset)) }
        coalescer.fileChanged("b.md", urgency: .immediate, at: start)
        #expect(coalescer.pendingCount == 2)
        #expect(coalescer.takeReady(at: start + .milliseconds(50)) == ChangeBatch(files: ["a.md", "b.md"]))
    }

    @Test func onlyReadyPathsAreTaken() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.fileChanged("ready.md", urgency: .immediate, at: start)
        coalescer.fileChanged("writing.md", urgency: .settling, at: start)
        #expect(coalescer.takeReady(at: start) == ChangeBatch(files: ["ready.md"]))
        #expect(coalescer.pendingCount == 1)
    }

    @Test func foldersAreReadyAtOnce() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.folderChanged("notes/2024", at: start)
        #expect(coalescer.takeReady(at: start) == ChangeBatch(folders: ["notes/2024"]))
    }

    @Test func beyondCapacityTheMapIsReplacedByAFullReconcile() {
        var small = ChangeTiming()
        small.capacity = 3
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>(timing: small)
        for index in 0..<4 { coalescer.fileChanged("f\(index).md", urgency: .settling, at: start) }
        #expect(coalescer.pendingCount == 1)
        #expect(coalescer.takeReady(at: start) == ChangeBatch(isFullReconcile: true))
    }

    @Test func aReturnedBatchIsReadyAgainAtOnce() {
        var coalescer = ChangeCoalescer<ContinuousClock.Instant>()
        coalescer.batchReturned(ChangeBatch(files: ["a.md"], folders: ["d"], isFullReconcile: true), at: start)
        #expect(coalescer.takeReady(at: start) == ChangeBatch(files: ["a.md"], folders: ["d"], isFullReconcile: true))
    }

    @Test func aBatchScopeCoversItsFilesAndFolderContents() {
        let batch = ChangeBatch(files: ["a.md"], folders: ["notes"])
        #expect(batch.contains("a.md"))
        #expect(batch.contains("notes/x.md"))
        #expect(batch.contains("notes/deep/y.md"))
        #expect(!batch.contains("notesx/z.md"))
        #expect(!batch.contains("b.md"))
        #expect(ChangeBatch(isFullReconcile: true).contains("anything.md"))
    }
}

@Suite("ChangeBatch scope")
struct ChangeBatchScopeTests {
    @Test func aFolderInsideAnotherFolderOfTheBatchIsNotWalkedAgain() {
        let batch = ChangeBatch(folders: ["n1", "n1/n2", "n1/n2/n3", "n1 2", "n1 2/n2", "other"])
        #expect(batch.outermostFolders == ["n1", "n1 2", "other"])
    }

    @Test func theWholeTreeCoversEveryFolder() {
        #expect(ChangeBatch(folders: ["", "a", "b/c"]).outermostFolders == [""])
    }

    @Test func siblingsWithACommonPrefixAreBothWalked() {
        #expect(ChangeBatch(folders: ["notes", "notes-old"]).outermostFolders == ["notes", "notes-old"])
    }
}
