// ragsync — DedicatedThreadExecutor: a serial executor that owns one OS thread.

import Foundation

/// A serial executor that runs every job on one thread of its own.
///
/// libpq, libcurl and inotify make blocking system calls. Swift's cooperative thread pool has one thread per core
/// (two here), so a blocking call there stalls every task in the process. An actor whose `unownedExecutor` is a
/// `DedicatedThreadExecutor` runs all of its methods on that thread instead, so the actor can call the C library
/// synchronously while the rest of the program keeps running.
///
/// The thread ends when the executor is deinitialised; jobs already queued run first.
public final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    /// The queue shared with the thread; the thread holds it, not the executor, so the executor can go away.
    private final class JobQueue: @unchecked Sendable {
        let condition = NSCondition()
        var jobs: [UnownedJob] = []
        var isShutDown = false
        /// Set once in `init`; unowned, so the thread does not keep the executor alive.
        var executor: UnownedSerialExecutor?
    }

    private let queue = JobQueue()

    /// Starts the thread.
    /// - Parameter name: the thread's name, as shown by `top -H` and debuggers.
    public init(name: String) {
        let queue = self.queue
        queue.executor = UnownedSerialExecutor(ordinary: self)
        let thread = Thread {
            Self.runJobs(from: queue)
        }
        thread.name = name
        thread.start()
    }

    deinit {
        queue.condition.lock()
        queue.isShutDown = true
        queue.condition.signal()
        queue.condition.unlock()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.condition.lock()
        queue.jobs.append(job)
        queue.condition.signal()
        queue.condition.unlock()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    private static func runJobs(from queue: JobQueue) {
        while true {
            queue.condition.lock()
            while queue.jobs.isEmpty && !queue.isShutDown {
                queue.condition.wait()
            }
            if queue.jobs.isEmpty {  // shut down and drained
                queue.condition.unlock()
                return
            }
            let batch = queue.jobs
            queue.jobs.removeAll(keepingCapacity: true)
            // trap: set before the thread starts and never cleared; no input reaches it.
            let executor = queue.executor!
            queue.condition.unlock()
            for job in batch {
                // A queued job keeps its actor, and with it this executor, alive while it runs.
                job.runSynchronously(on: executor)
            }
        }
    }
}
