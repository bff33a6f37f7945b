// ragsync — DedicatedThreadExecutorTests: an actor on a dedicated thread runs there, under the thread's name.

import Glibc
import Testing
import ThreadExecutor

@Suite("A dedicated thread")
struct DedicatedThreadExecutorTests {
    private actor OnItsThread {
        private let executor: DedicatedThreadExecutor
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

        init(name: String) { executor = DedicatedThreadExecutor(name: name) }

        /// The kernel's name of the thread running this method, and its id.
        func threadNameAndID() -> (name: String, id: pthread_t) {
            let descriptor = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC)
            defer { if descriptor >= 0 { close(descriptor) } }
            var bytes = [UInt8](repeating: 0, count: 64)
            let count = descriptor >= 0 ? read(descriptor, &bytes, bytes.count) : 0
            let name = String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
            return (name.hasSuffix("\n") ? String(name.dropLast()) : name, pthread_self())
        }
    }

    @Test("the actor's methods run on one thread, which top -H and perf show by its name (15 bytes at most)")
    func theActorsMethodsRunOnOneThreadNamedAfterTheExecutor() async {
        let files = OnItsThread(name: "ragsync-files")
        let first = await files.threadNameAndID()
        let second = await files.threadNameAndID()
        #expect(first.name == "ragsync-files")
        #expect(first.id == second.id)

        let long = await OnItsThread(name: "ragsync-local-embed").threadNameAndID()
        #expect(long.name == "ragsync-local-e")
    }
}
