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
    /// - Parameter name: the thread's name, as shown by `top -H`, `perf` and debuggers (Linux keeps its first 15
    ///   bytes).
    public init(name: String) {
        let queue = self.queue
        queue.executor = UnownedSerialExecutor(ordinary: self)
        // Set by the thread itself: Foundation's `Thread.name` does not reach the kernel on Linux, where every
        // thread kept the name of the one that started it (libdispatch's "com.apple.root.default-qos").
        let kernelName = Array(name.utf8.prefix(15))
        let thread = Thread {
            Self.nameCurrentThread(kernelName)
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

    /// Names the calling thread through `/proc/thread-self/comm` (what `pthread_setname_np` does; Swift does not see
    /// that GNU extension). A failure leaves the inherited name, which is only cosmetic.
    private static func nameCurrentThread(_ name: [UInt8]) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = name.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
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
