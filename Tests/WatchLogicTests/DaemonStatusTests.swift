// ragsync — DaemonStatus: the STATUS line systemctl shows, for each phase.

import RagsyncKit
import Testing

@Suite("Daemon STATUS text")
struct DaemonStatusTests {
    private let now = ContinuousClock.now

    private func status(_ phase: DaemonStatus.Phase, mode: ContentWatcher.Mode = .watching(folders: 3)) -> DaemonStatus {
        var status = DaemonStatus()
        status.phase = phase
        status.documents = 42
        status.chunks = 318
        status.watcher = ContentWatcher.Report(mode: mode, eventsLost: 0)
        return status
    }

    @Test func idleShowsCountsLastDocumentAndQueue() {
        var idle = status(.idle)
        idle.lastDocument = ("experience.md", now - .seconds(3))
        #expect(idle.text(at: now) == "Watching 42 documents, 318 chunks; last: experience.md 3s ago; queue 0")
    }

    @Test func repairsSinceStartAreShown() {
        var idle = status(.idle)
        idle.repairedDocuments = 3
        #expect(idle.text(at: now) == "Watching 42 documents, 318 chunks; queue 0; 3 repaired since start")
    }

    @Test func anOutageShowsTheRetryAndWhatWaits() {
        let retrying = status(.retrying(problem: "Database unreachable", retryAt: now + .seconds(8), pending: 3))
        #expect(retrying.text(at: now) == "Database unreachable, retrying in 8s; 3 pending; queue 0")
    }

    @Test func progressOfTheFirstReconcileIsShown() {
        let indexing = status(.indexing(done: 200, total: 1000, isFullReconcile: true))
        #expect(indexing.text(at: now) == "Reconciling 200/1000 documents; queue 0")
    }

    @Test func pollingAndAMissingDirectoryAreSaid() {
        #expect(status(.idle, mode: .polling(reason: "inotify limit reached")).text(at: now)
            == "Polling 42 documents, 318 chunks; queue 0; polling (inotify limit reached)")
        #expect(status(.idle, mode: .waitingForDirectory).text(at: now).contains("content directory missing"))
    }

    @Test func lostEventsAndFailuresAreCounted() {
        var idle = status(.idle)
        idle.watcher.eventsLost = 2
        idle.failedDocuments = 1
        #expect(idle.text(at: now) == "Watching 42 documents, 318 chunks; queue 0; 1 failed (see journal); events lost 2x")
    }
}
