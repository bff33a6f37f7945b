// ragsync — NetworkFileSystem: recognises file systems where inotify cannot see every change.

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
        guard let table = try? GlibcFileSystem().contents(of: "/proc/self/mountinfo", maxBytes: 16 << 20) else {
            return nil
        }
        self.init(path: path, mountInfo: table)
    }

    /// - Parameter mountInfo: the text of a `mountinfo` file.
    init?(path: String, mountInfo: [UInt8]) {
        var best: (mountPoint: String, type: String)?
        for line in mountInfo.split(separator: UInt8(ascii: "\n")) {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": the mount point is the fifth field;
            // optional fields follow the sixth until a lone "-", and the type comes after it.
            let fields = line.split(separator: UInt8(ascii: " "))
            guard let separator = fields.firstIndex(where: { $0.count == 1 && $0.first == UInt8(ascii: "-") }),
                separator > 4, separator + 1 < fields.count
            else { continue }
            let mountPoint = Self.unescaped(fields[4])
            let type = String(decoding: fields[separator + 1], as: UTF8.self)
            let covers = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            if covers, mountPoint.utf8.count >= (best?.mountPoint.utf8.count ?? 0) { best = (mountPoint, type) }
        }
        guard let type = best?.type, Self.networkTypes.contains(type) || type.hasPrefix("fuse.") else { return nil }
        name = type
    }

    /// The kernel writes a space, tab, newline or backslash in a path as `\` and three octal digits.
    static func unescaped(_ field: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.count)
        var index = field.startIndex
        while index < field.endIndex {
            if field[index] == UInt8(ascii: "\\"), field.endIndex - index >= 4 {
                let digits = field[(index + 1)...(index + 3)]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
                    if value <= 255 {
                        bytes.append(UInt8(value))
                        index += 4
                        continue
                    }
                }
            }
            bytes.append(field[index])
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
