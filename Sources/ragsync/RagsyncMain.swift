// ragsync — the process entry point: the command runs on Swift's thread pool while the main thread waits.

import Glibc
import RagsyncKit

/// The process entry point.
///
/// An `async` `main` gives the main thread to `dispatch_main`, which leaves it with `pthread_exit`: a forced unwind
/// that reads the binary's unwind tables, about 660 KB of `.eh_frame_hdr` and `.eh_frame`, whose pages then stay in
/// the daemon's RSS for its whole life. This synchronous `main` starts the command and parks the main thread; the
/// command ends the process itself (`Ragsync.runCommand` never returns). Nothing in ragsync runs on the main queue
/// or the main actor.
@main
enum RagsyncMain {
    static func main() {
        ProcessMemory.limitArenas()
        // Detached: a task started here would inherit the main actor, whose queue nothing drains.
        Task.detached { await Ragsync.runCommand() }
        while true { pause() }
    }
}
