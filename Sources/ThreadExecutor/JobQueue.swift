// ragsync — JobQueue: the jobs waiting for a DedicatedThreadExecutor's thread.

import Glibc

/// The jobs waiting for one ``DedicatedThreadExecutor``'s thread, behind a pthread mutex and condition variable.
final class JobQueue: @unchecked Sendable {
    /// Set once, before the thread starts; unowned, so the thread does not keep the executor alive.
    var executor: UnownedSerialExecutor?

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var isShutDown = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func append(_ job: UnownedJob) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Lets the thread end once the jobs already queued have run.
    func shutDown() {
        pthread_mutex_lock(mutex)
        isShutDown = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits for jobs and takes all of them; `nil` once shut down and drained.
    func nextBatch() -> [UnownedJob]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while jobs.isEmpty && !isShutDown {
            pthread_cond_wait(condition, mutex)
        }
        if jobs.isEmpty { return nil }
        let batch = jobs
        jobs.removeAll(keepingCapacity: true)
        return batch
    }
}
