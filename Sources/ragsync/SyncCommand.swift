// ragsync — `ragsync sync`: one reconcile of the content directory with the database.

import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import Synchronization
import RagsyncKit
import Systemd

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Index new and changed documents, re-point renamed ones, remove deleted ones, then exit.",
        discussion: "Exit status 0 when every document is indexed, 1 when any failed (listed in the summary)."
    )

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.loadConfiguration()
            let context = try await RagsyncContext.open(
                configuration: configuration, registeringModel: true, logger: Logger(label: "ragsync.sync"))
            let engine = try context.makeSyncEngine()
            let started = ContinuousClock.now
            let progress = ProgressLine()
            let summary = try await engine.reconcile { done, total in progress.show(done: done, total: total) }
            progress.finish()
            // The time is printed last, once the vector index upkeep is in it too.
            for line in summary.lines where !line.hasPrefix("time:") { print(line) }
            let index = try await context.maintainVectorIndex(after: summary)
            if index.action != .kept { print("vector index: \(index.action.rawValue) (\(index.reason))") }
            let total = (ContinuousClock.now - started).seconds
            print(
                "time: \(total.fixedPoint(2)) s"
                    + (index.action == .kept ? "" : " (vector index \(index.seconds.fixedPoint(2)) s)"))
            if summary.refusedDeletion != nil {
                throw CommandFailure.failed("deletions refused; see above", status: 1)
            }
            if summary.failed > 0 {
                throw CommandFailure.failed("\(summary.failed) document(s) failed; see above", status: 1)
            }
        }
    }
}

/// A progress bar on a terminal, plain lines otherwise (every 10%).
final class ProgressLine: Sendable {
    private struct Shown {
        var lastTenth = -1
        var hasShownBar = false
    }

    private let unit: String
    private let verb: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let shown = Mutex(Shown())

    init(unit: String = "documents", verb: String = "indexed") {
        self.unit = unit
        self.verb = verb
    }

    func show(done: Int, total: Int) {
        guard total > 0 else { return }
        shown.withLock { shown in
            if isTerminal {
                let width = 30
                let filled = width * done / total
                let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
                StandardError.write("\r[\(bar)] \(done)/\(total) \(unit)")
                shown.hasShownBar = true
            } else {
                let tenth = 10 * done / total
                if tenth != shown.lastTenth {
                    shown.lastTenth = tenth
                    StandardError.write("\(verb) \(done)/\(total) \(unit)\n")
                }
            }
        }
    }

    func finish() {
        shown.withLock { shown in
            if shown.hasShownBar { StandardError.write("\n") }
        }
    }
}
