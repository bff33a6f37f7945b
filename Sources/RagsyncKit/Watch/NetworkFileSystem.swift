// ragsync — NetworkFileSystem: recognises file systems where inotify cannot see every change.

import FoundationEssentials

/// A network or FUSE file system: inotify reports only changes made through this machine's kernel there, so the
/// daemon polls instead. Found from the mount holding the path in `/proc/self/mountinfo` (proc(5)).
struct NetworkFileSystem {
    /// The file system type, e.g. `nfs4` or `fuse.sshfs`.
    var name: String

    private static let networkTypes: Set<String> = [
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre", "fuse", "fuseblk",
    ]

    /// - Returns: nil for a local file system, or when the mount table cannot be read.
    init?(path: String) {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        var best: (mountPoint: String, type: String)?
        for line in table.split(separator: "\n") {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": mount point is field 5; the type
            // follows the " - " separator.
            let halves = line.components(separatedBy: " - ")
            let fields = halves[0].split(separator: " ")
            guard halves.count == 2, fields.count >= 5, let type = halves[1].split(separator: " ").first else { continue }
            let mountPoint = String(fields[4]).replacing("\\040", with: " ")
            let covers = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            if covers, mountPoint.count >= (best?.mountPoint.count ?? 0) { best = (mountPoint, String(type)) }
        }
        guard let type = best?.type, Self.networkTypes.contains(type) || type.hasPrefix("fuse.") else { return nil }
        name = type
    }
}
