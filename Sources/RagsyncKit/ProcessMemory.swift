// ragsync — ProcessMemory: keeps the daemon's resident memory near what it uses.

#if canImport(CMalloc)
import CMalloc
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

    /// Gives freed heap pages back to the kernel, so an idle daemon's RSS reflects what it holds, not its peak.
    public static func returnFreePages() {
        #if canImport(CMalloc)
        _ = malloc_trim(0)
        #endif
    }
}
