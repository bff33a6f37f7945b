// ragsync — NetworkFileSystem: which mounts make the daemon poll, read from a mountinfo table.

@testable import RagsyncKit
import Testing

@Suite("Network file systems in the mount table")
struct NetworkFileSystemTests {
    private let table = Array(
        """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        40 22 0:35 / /srv/notes rw,relatime shared:20 - nfs4 server:/export rw,vers=4.2
        41 40 8:2 / /srv/notes/local rw,relatime - ext4 /dev/sda2 rw
        42 22 0:40 / /home/me/My\\040Drive rw,nosuid shared:30 master:2 - fuse.rclone drive: rw
        43 22 0:41 / /mnt/odd\\134name\\011tab rw - cifs //host/share rw
        44 22 0:42 / /broken rw
        """.utf8)

    @Test func theLongestMountHoldingThePathDecides() {
        #expect(NetworkFileSystem(path: "/srv/notes/content", mountInfo: table)?.name == "nfs4")
        #expect(NetworkFileSystem(path: "/srv/notes", mountInfo: table)?.name == "nfs4")
        #expect(NetworkFileSystem(path: "/srv/notes/local/content", mountInfo: table) == nil)
        #expect(NetworkFileSystem(path: "/srv/notesx", mountInfo: table) == nil)
        #expect(NetworkFileSystem(path: "/home/me/content", mountInfo: table) == nil)
    }

    @Test func escapedSpacesBackslashesAndTabsInMountPointsAreRead() {
        #expect(NetworkFileSystem(path: "/home/me/My Drive/content", mountInfo: table)?.name == "fuse.rclone")
        #expect(NetworkFileSystem(path: "/mnt/odd\\name\ttab/x", mountInfo: table)?.name == "cifs")
        #expect(NetworkFileSystem.unescaped(ArraySlice("a\\0401\\999\\04".utf8)) == "a 1\\999\\04")
    }

    @Test func aLineWithoutTheSeparatorOrAnEmptyTableIsIgnored() {
        #expect(NetworkFileSystem(path: "/broken/x", mountInfo: table) == nil)
        #expect(NetworkFileSystem(path: "/x", mountInfo: []) == nil)
    }

    @Test func thisMachinesOwnTableReadsWithoutFailing() {
        // The tests run on a local file system; the table is the real one, read as the daemon reads it.
        #expect(NetworkFileSystem(path: "/proc/self") == nil)
    }
}
