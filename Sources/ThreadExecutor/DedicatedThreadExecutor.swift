// ragsync — DedicatedThreadExecutor: a serial executor that owns one OS thread.

import Glibc

/// A serial executor that runs every job on one thread of its own.
///
/// libpq, libcurl and inotify make blocking system calls. Swift's cooperative thread pool has one thread per core
/// (two here), so a blocking call there stalls every task in the process. An actor whose `unownedExecutor` is a
/// `DedicatedThreadExecutor` runs all of its methods on that thread instead, so the actor can call the C library
/// synchronously while the rest of the program keeps running.
///
/// The thread is a plain pthread (Foundation's `Thread` and `NSCondition` would load Foundation's thread machinery
/// into every process for the same calls). It ends when the executor is deinitialised; jobs already queued run first.
public final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: JobQueue

    /// Starts the thread.
    /// - Parameter name: the thread's name, as shown by `top -H`, `perf` and debuggers (Linux keeps its first 15
    ///   bytes).
    public init(name: String) {
        queue = JobQueue()
        queue.executor = UnownedSerialExecutor(ordinary: self)
        // The thread holds the queue, not the executor, so the executor can go away.
        DetachedThread.start(name: name) { [queue] in DedicatedThreadExecutor.runJobs(from: queue) }
    }

    deinit {
        queue.shutDown()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        queue.append(UnownedJob(job))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    private static func runJobs(from queue: JobQueue) {
        // trap: set in `init` before the thread starts and never cleared; no input reaches it.
        let executor = queue.executor!
        while let batch = queue.nextBatch() {
            for job in batch {
                // A queued job keeps its actor, and with it this executor, alive while it runs.
                job.runSynchronously(on: executor)
            }
        }
    }
}
