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
        queue = JobQueue(threadName: Array(name.utf8.prefix(15)))
        queue.executor = UnownedSerialExecutor(ordinary: self)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        // The thread holds the queue, not the executor, so the executor can go away.
        let context = Unmanaged.passRetained(queue).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { context in
            guard let context else { return nil }
            let queue = Unmanaged<JobQueue>.fromOpaque(context).takeRetainedValue()
            DedicatedThreadExecutor.nameCurrentThread(queue.threadName)
            DedicatedThreadExecutor.runJobs(from: queue)
            return nil
        }, context)
        if result != 0 {
            Unmanaged<JobQueue>.fromOpaque(context).release()
            // trap: only the system's thread limit (RLIMIT_NPROC, memory) reaches this; no input does. Foundation's
            // Thread.start() left every job of the executor waiting forever instead.
            fatalError("ragsync: cannot start the thread \(name): \(String(cString: strerror(result)))")
        }
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

    /// Names the calling thread through `/proc/thread-self/comm` (what `pthread_setname_np` does; Swift does not see
    /// that GNU extension). A failure leaves the inherited name, which is only cosmetic.
    private static func nameCurrentThread(_ name: [UInt8]) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = name.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
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
