// ragsync — ProcessMemory: keeps the daemon's resident memory near what it uses.

#if canImport(CMalloc)
import CMalloc
import Glibc
#endif

/// glibc malloc settings for a long-running process with a handful of threads.
///
/// By default glibc gives each thread that allocates an arena of its own and keeps freed memory mapped for reuse.
/// ragsync's threads (the cooperative pool, the file, database, HTTP and inotify threads) each touched arenas of
/// their own, and after a cold index the daemon stayed at its peak. Measured on a 5,000-file cold index: peak RSS
/// 68.5 MB with the default, 60.5 MB with two arenas, at the same speed; later, with two writer connections, 55-57 MB
/// with two arenas and 52-53 MB with one, in the same 7.8-8.2 s (the threads rarely allocate at the same moment, so
/// sharing one arena costs no measurable contention). A fixed mmap threshold keeps glibc from
/// raising it to the size of the largest block freed (up to 32 MB), after which the transient buffers of embedding
/// responses and batch statements stayed in the heap: with two writers, 60 MB peak against 55 MB with it fixed.
public enum ProcessMemory {
    /// Gives every thread the one main arena and fixes the mmap threshold; call before any thread starts.
    public static func limitArenas() {
        #if canImport(CMalloc)
        _ = mallopt(M_ARENA_MAX, 1)
        _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        #endif
    }

    /// The glibc tunable that sizes the per-thread caches of freed blocks (tcache).
    private static let threadCacheTunableName = "glibc.malloc.tcache_count"
    /// What the daemon runs with: no such caches.
    static let threadCacheTunable = threadCacheTunableName + "=0"

    /// Starts this program again in place (same process, same arguments) with glibc's per-thread caches of freed
    /// blocks turned off, unless `GLIBC_TUNABLES` already sets them; returns only when that was not needed or failed.
    ///
    /// Each thread keeps up to 7 freed blocks of each size to 1 KB for its next allocations. After a pass, the
    /// daemon's threads held such blocks all over the heap, and `malloc_trim` cannot return a page that holds one:
    /// the idle daemon of `make bench` kept 3.7 MB of heap for 1.2 MB in use. Without the caches it keeps 1.0-1.5 MB,
    /// and a 1,000-file cold index took the same CPU. glibc reads tunables only from the environment at start, hence
    /// the new image; the process keeps its PID, so systemd and `NOTIFY_SOCKET` see no difference.
    public static func restartingWithoutThreadCaches() {
        #if canImport(CMalloc)
        var environment: [String] = []
        var entry: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        while let current = entry, let pointer = current.pointee {
            environment.append(String(cString: pointer))
            entry = current + 1
        }
        guard let next = environmentWithoutThreadCaches(environment) else { return }
        execute("/proc/self/exe", arguments: CommandLine.unsafeArgv, environment: next)
        #endif
    }

    /// `environment` with ``threadCacheTunable`` added to `GLIBC_TUNABLES`; nil when it sets the tcache already.
    static func environmentWithoutThreadCaches(_ environment: [String]) -> [String]? {
        let prefix = "GLIBC_TUNABLES="
        guard let index = environment.firstIndex(where: { $0.hasPrefix(prefix) }) else {
            return environment + [prefix + threadCacheTunable]
        }
        let tunables = environment[index].dropFirst(prefix.count)
        if tunables.split(separator: ":").contains(where: { $0.hasPrefix(threadCacheTunableName + "=") }) { return nil }
        var result = environment
        result[index] = prefix + (tunables.isEmpty ? "" : tunables + ":") + threadCacheTunable
        return result
    }

    /// Gives freed heap pages back to the kernel, so an idle daemon's RSS reflects what it holds, not its peak.
    public static func returnFreePages() {
        #if canImport(CMalloc)
        _ = malloc_trim(0)
        #endif
    }

    #if canImport(CMalloc)
    /// `execve(2)` with `environment` copied into the NULL-terminated array it takes.
    private static func execute(
        _ path: String, arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, environment: [String]
    ) {
        var copies = environment.map { strdup($0) }
        copies.append(nil)
        defer { copies.forEach { free($0) } }
        copies.withUnsafeBufferPointer { buffer in
            guard let envp = buffer.baseAddress else { return }
            _ = execve(path, arguments, envp)
        }
    }
    #endif
}
