// ragsync — InotifyReader: reads inotify events on a thread of its own.

import Glibc
import ThreadExecutor

/// Waits for and decodes events from one ``InotifyDescriptor``.
///
/// It runs on a dedicated thread: `poll` and `read` block, and must never occupy the cooperative thread pool.
/// Each call drains everything queued (to `EAGAIN`) into one batch through a 64 KiB buffer, so a burst costs a
/// few system calls, not one per event. The reader reads only when asked, so a slow consumer leaves events in the
/// kernel's queue, whose overflow is reported as an `IN_Q_OVERFLOW` event rather than growing memory here.
public actor InotifyReader {
    private let executor = DedicatedThreadExecutor(name: "ragsync-inotify")
    private let descriptor: InotifyDescriptor
    /// A pipe whose write end `wake()` uses to interrupt a waiting `poll`.
    private let wakeReadEnd: Int32
    private let wakeWriteEnd: Int32
    private let storage = EventBuffer(byteCount: InotifyReader.bufferSize)
    private var buffer: UnsafeMutableRawBufferPointer { storage.bytes }

    /// The buffer size: room for at least 4,000 events with short names per read.
    public static let bufferSize = 64 * 1024

    nonisolated public var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// - Throws: ``InotifyError`` when the wake-up pipe cannot be created (file descriptors exhausted).
    public init(descriptor: InotifyDescriptor) throws(InotifyError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw InotifyError(operation: "pipe", errno: errno) }
        for end in ends {
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        self.descriptor = descriptor
        wakeReadEnd = ends[0]
        wakeWriteEnd = ends[1]
    }

    deinit {
        close(wakeReadEnd)
        close(wakeWriteEnd)
    }

    /// Makes a waiting (or the next) ``nextBatch(timeout:)`` return at once. Safe from any thread.
    nonisolated public func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWriteEnd, &byte, 1)
    }

    /// Waits up to `timeout` for events and returns all that are queued.
    /// - Returns: the events in the kernel's order; empty after a timeout or a `wake()`.
    /// - Throws: ``InotifyError`` when `poll` or `read` fail for a reason other than an interruption.
    public func nextBatch(timeout: Duration) throws(InotifyError) -> [InotifyEvent] {
        var descriptors = [
            pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeReadEnd, events: Int16(POLLIN), revents: 0),
        ]
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&descriptors, 2, milliseconds)
        if ready < 0 {
            if errno == EINTR { return [] }
            throw InotifyError(operation: "poll", errno: errno)
        }
        if descriptors[1].revents != 0 { drainWakePipe() }
        guard descriptors[0].revents != 0 else { return [] }
        return try drain()
    }

    /// Reads until `EAGAIN`.
    private func drain() throws(InotifyError) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        while true {
            let count = read(descriptor.rawValue, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return events }
                throw InotifyError(operation: "read", errno: errno)
            }
            if count == 0 { return events }
            Self.decode(UnsafeRawBufferPointer(rebasing: buffer[..<count]), into: &events)
            // A short read means the queue is empty; another read would only return EAGAIN.
            if count < buffer.count - (MemoryLayout<inotify_event>.size + Int(NAME_MAX) + 1) { return events }
        }
    }

    private func drainWakePipe() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(wakeReadEnd, &bytes, bytes.count) > 0 {}
    }

    /// Decodes the packed `struct inotify_event` records of one read.
    static func decode(_ bytes: UnsafeRawBufferPointer, into events: inout [InotifyEvent]) {
        let headerSize = MemoryLayout<inotify_event>.size
        var offset = 0
        while offset + headerSize <= bytes.count {
            let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let cookie = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let nameLength = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            let nameEnd = min(bytes.count, nameStart + nameLength)
            // The name is NUL-padded to an alignment boundary.
            let name = Array(bytes[nameStart..<nameEnd].prefix { $0 != 0 })
            events.append(
                InotifyEvent(
                    watch: WatchDescriptor(rawValue: watch), mask: InotifyEventMask(rawValue: mask), cookie: cookie,
                    name: name))
            offset = nameStart + nameLength
        }
    }
}

/// The read buffer, aligned for `struct inotify_event` and freed with its owner.
private final class EventBuffer {
    let bytes: UnsafeMutableRawBufferPointer

    init(byteCount: Int) {
        bytes = .allocate(byteCount: byteCount, alignment: MemoryLayout<inotify_event>.alignment)
    }

    deinit {
        bytes.deallocate()
    }
}
