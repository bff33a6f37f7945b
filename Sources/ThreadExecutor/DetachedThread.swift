// ragsync — DetachedThread: starts a named pthread that runs one closure.

import Glibc

/// Starts plain detached pthreads, for the loops that block in C calls (a serial executor's jobs, a listener's
/// `accept`). Foundation's `Thread` would link Foundation, CoreFoundation and ICU into every ragsync process.
public enum DetachedThread {
    /// Starts a thread that runs `body` and ends when it returns.
    /// - Parameters:
    ///   - name: the thread's name, as shown by `top -H`, `perf` and debuggers (Linux keeps its first 15 bytes).
    ///   - stackSize: the thread's stack; nil for the system's default.
    public static func start(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize { pthread_attr_setstacksize(&attributes, max(stackSize, Int(PTHREAD_STACK_MIN))) }
        let start = Start(name: Array(name.utf8.prefix(15)), body: body)
        let context = Unmanaged.passRetained(start).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { context in
            guard let context else { return nil }
            let start = Unmanaged<Start>.fromOpaque(context).takeRetainedValue()
            DetachedThread.nameCurrentThread(start.name)
            start.body()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Start>.fromOpaque(context).release()
            // trap: only the system's thread limit (RLIMIT_NPROC, memory) reaches this; no input does. Foundation's
            // Thread.start() left every job of an executor waiting forever instead.
            fatalError("ragsync: cannot start the thread \(name): \(String(cString: strerror(result)))")
        }
    }

    /// What the new thread needs, passed through `pthread_create`'s context pointer.
    private final class Start: Sendable {
        let name: [UInt8]
        let body: @Sendable () -> Void

        init(name: [UInt8], body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Names the calling thread through `/proc/thread-self/comm` (what `pthread_setname_np` does; Swift does not see
    /// that GNU extension). A failure leaves the inherited name, which is only cosmetic.
    private static func nameCurrentThread(_ name: [UInt8]) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = name.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }
}
