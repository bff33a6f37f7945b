// ragsync — RealTime: the clock file times are written with, for tests that set a pass's start.

import Glibc

enum RealTime {
    /// The real-time clock in nanoseconds since the epoch.
    static func nanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
