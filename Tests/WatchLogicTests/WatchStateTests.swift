// ragsync — WatchState: each kind of inotify event, in, and the actions it asks for, out.

import SyncCore
import Testing

@Suite("Watch state machine")
struct WatchStateTests {
    /// A state watching "" (wd 1), "notes" (wd 2) and "notes/2024" (wd 3).
    private func watchingThreeFolders() -> WatchState {
        var state = WatchState()
        for (watch, folder) in [(Int32(1), ""), (2, "notes"), (3, "notes/2024")] {
            _ = state.watchAdded(watch, folder: folder, isStillAt: { _ in true })
        }
        return state
    }

    private func actions(_ state: inout WatchState, _ events: [WatchEvent]) -> [WatchAction] {
        state.readReceived(events)
        var actions: [WatchAction] = []
        for event in events { actions += state.handle(event) }
        return actions
    }

    @Test func aFinishedWriteIsReadyAtOnceAndAWriteInProgressSettles() {
        var state = watchingThreeFolders()
        #expect(
            actions(&state, [WatchEvent(watch: 2, kind: .closedAfterWriting, name: "a.md")])
                == [.record(.file("notes/a.md", .immediate))])
        #expect(
            actions(&state, [WatchEvent(watch: 1, kind: .modified, name: "b.md")]) == [.record(.file("b.md", .settling))])
        #expect(actions(&state, [WatchEvent(watch: 1, kind: .deleted, name: "b.md")]) == [.record(.file("b.md", .deletion))])
    }

    @Test func namesThatAreNotDocumentsAreIgnored() {
        var state = watchingThreeFolders()
        let events = [
            WatchEvent(watch: 1, kind: .closedAfterWriting, name: "todo.txt"),
            WatchEvent(watch: 1, kind: .closedAfterWriting, name: ".hidden.md"),
            WatchEvent(watch: 1, kind: .closedAfterWriting, name: "notes.md~"),
        ]
        #expect(actions(&state, events).isEmpty)
    }

    @Test func aRenameWithinOneReadIsImmediateOnBothPaths() {
        var state = watchingThreeFolders()
        let events = [
            WatchEvent(watch: 1, kind: .movedFrom, cookie: 7, name: "old.md"),
            WatchEvent(watch: 2, kind: .movedTo, cookie: 7, name: "new.md"),
        ]
        #expect(
            actions(&state, events) == [.record(.file("old.md", .immediate)), .record(.file("notes/new.md", .immediate))])
    }

    @Test func aDocumentMovedAsideByAnEditorWaitsForTheNewVersion() {
        var state = watchingThreeFolders()
        let events = [
            WatchEvent(watch: 1, kind: .movedFrom, cookie: 9, name: "cv.md"),
            WatchEvent(watch: 1, kind: .movedTo, cookie: 9, name: "cv.md~"),
        ]
        #expect(actions(&state, events) == [.record(.file("cv.md", .removal))])
    }

    @Test func aFolderMovedOutLosesItsWatchesAndIsWalked() {
        var state = watchingThreeFolders()
        let events = [WatchEvent(watch: 1, kind: [.movedFrom, .isDirectory], cookie: 4, name: "notes")]
        #expect(actions(&state, events) == [.removeWatch(2), .removeWatch(3), .record(.folder("notes"))])
        #expect(state.folderCount == 1)
        // The removed watches' late events and their IN_IGNORED are expected, not lost events.
        #expect(actions(&state, [WatchEvent(watch: 3, kind: .closedAfterWriting, name: "x.md")]).isEmpty)
        #expect(actions(&state, [WatchEvent(watch: 3, kind: .ignored)]).isEmpty)
        #expect(state.eventsLost == 0)
    }

    @Test func aFolderRenamedWithinOneReadKeepsItsWatchesUnderTheNewPath() {
        var state = watchingThreeFolders()
        let events = [
            WatchEvent(watch: 1, kind: [.movedFrom, .isDirectory], cookie: 5, name: "notes"),
            WatchEvent(watch: 1, kind: [.movedTo, .isDirectory], cookie: 5, name: "archive"),
            WatchEvent(watch: 3, kind: .closedAfterWriting, name: "q1.md"),
        ]
        #expect(
            actions(&state, events) == [
                .record(.folder("notes")), .watchTree("archive"), .record(.folder("archive")),
                .record(.file("archive/2024/q1.md", .immediate)),
            ])
        #expect(state.folder(of: 3) == "archive/2024")
    }

    @Test func lostEventsWatchTheTreeAgainAndReconcileEverything() {
        var state = watchingThreeFolders()
        #expect(
            actions(&state, [WatchEvent(watch: -1, kind: .queueOverflowed)])
                == [.eventsLost(reason: "the inotify event queue overflowed"), .rewatchTree, .record(.fullReconcile)])
        #expect(
            actions(&state, [WatchEvent(watch: 42, kind: .created, name: "a.md")])
                == [.eventsLost(reason: "an event arrived for an unknown watch (42)"), .rewatchTree, .record(.fullReconcile)])
        #expect(state.eventsLost == 2)
    }

    @Test func aRewatchRemovesTheWatchesOfFoldersThatAreGone() {
        var state = watchingThreeFolders()
        state.rewatchStarted()
        _ = state.watchAdded(1, folder: "", isStillAt: { _ in true })
        _ = state.watchAdded(2, folder: "notes", isStillAt: { _ in true })
        #expect(state.rewatchFinished() == [3])
        #expect(state.folder(of: 3) == nil)
    }

    @Test func aFolderFoundAtANewPathBeforeItsMoveEventsIsTakenOver() {
        var state = watchingThreeFolders()
        // The walk of a new folder finds "notes" moved into it; the kernel gives back wd 2.
        let takenOver = state.watchAdded(2, folder: "new/notes", isStillAt: { _ in false })
        #expect(takenOver)
        #expect(state.folder(of: 2) == "new/notes")
        #expect(state.folder(of: 3) == "new/notes/2024")
        // The late half of the move then finds nothing to remove.
        let events = [WatchEvent(watch: 1, kind: [.movedFrom, .isDirectory], cookie: 8, name: "notes")]
        #expect(actions(&state, events) == [.record(.folder("notes"))])
    }

    @Test func aFolderReachedByTwoPathsIsFollowedOnce() {
        var state = watchingThreeFolders()
        let followedTwice = state.watchAdded(2, folder: "mirror", isStillAt: { _ in true })
        #expect(!followedTwice)
        #expect(state.folder(of: 2) == "notes")
    }

    @Test func theContentDirectoryGoneEndsTheRead() {
        var state = watchingThreeFolders()
        let events = [
            WatchEvent(watch: 1, kind: .watchedDeleted),
            WatchEvent(watch: 2, kind: .closedAfterWriting, name: "a.md"),
        ]
        #expect(actions(&state, events) == [.directoryLost])
        #expect(state.folderCount == 0)
    }

    @Test func aNameThatIsNotUTF8IsReportedOnce() {
        var state = watchingThreeFolders()
        let event = WatchEvent(watch: 2, kind: .closedAfterWriting, name: [0x66, 0xFF, 0x2E, 0x6D, 0x64])
        #expect(actions(&state, [event]) == [.unreadableName("notes/f\\xff.md")])
        #expect(actions(&state, [event]).isEmpty)
    }
}
