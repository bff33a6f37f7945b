// ragsync — ProcessMemory: the environment the daemon restarts itself with, without glibc's per-thread caches.

@testable import RagsyncKit
import Testing

@Suite("The daemon's malloc tunables")
struct ProcessMemoryTests {
    @Test func theTunableIsAddedAndTheRestOfTheEnvironmentKept() {
        #expect(
            ProcessMemory.environmentWithoutThreadCaches(["HOME=/root", "PATH=/bin"])
                == ["HOME=/root", "PATH=/bin", "GLIBC_TUNABLES=glibc.malloc.tcache_count=0"])
        #expect(
            ProcessMemory.environmentWithoutThreadCaches(["GLIBC_TUNABLES=glibc.malloc.check=3", "A=b"])
                == ["GLIBC_TUNABLES=glibc.malloc.check=3:glibc.malloc.tcache_count=0", "A=b"])
        #expect(
            ProcessMemory.environmentWithoutThreadCaches(["GLIBC_TUNABLES="])
                == ["GLIBC_TUNABLES=glibc.malloc.tcache_count=0"])
    }

    @Test func aTcacheSettingOfTheUsersOwnIsRespectedAndNoRestartIsNeeded() {
        #expect(ProcessMemory.environmentWithoutThreadCaches(["GLIBC_TUNABLES=glibc.malloc.tcache_count=3"]) == nil)
        #expect(
            ProcessMemory.environmentWithoutThreadCaches(["GLIBC_TUNABLES=glibc.malloc.check=3:glibc.malloc.tcache_count=0"])
                == nil)
        // A longer name that merely starts the same is another tunable.
        #expect(
            ProcessMemory.environmentWithoutThreadCaches(["GLIBC_TUNABLES=glibc.malloc.tcache_count_x=1"])
                == ["GLIBC_TUNABLES=glibc.malloc.tcache_count_x=1:glibc.malloc.tcache_count=0"])
    }
}
