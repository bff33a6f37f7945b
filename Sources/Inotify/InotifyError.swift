// ragsync — InotifyError: a failed inotify system call, with advice for the errors an administrator can fix.

import Glibc

/// An inotify call failed.
public struct InotifyError: Error, Sendable, CustomStringConvertible {
    /// The call that failed, e.g. `inotify_add_watch`.
    public var operation: String
    /// The directory involved, if any.
    public var path: String?
    public var errno: Int32

    public init(operation: String, path: String? = nil, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// True when a kernel limit was reached: more watches or instances than the sysctls allow.
    public var isLimitReached: Bool {
        errno == ENOSPC || errno == EMFILE
    }

    public var description: String {
        var text = operation
        if let path { text += " \(path)" }
        text += ": \(String(cString: strerror(errno)))"
        switch (operation, errno) {
        case ("inotify_add_watch", ENOSPC):
            text += "; the inotify watch limit is reached: raise it with "
                + "`sysctl fs.inotify.max_user_watches=524288` (persist it in /etc/sysctl.d/)"
        case ("inotify_init1", EMFILE):
            text += "; too many inotify instances: raise `sysctl fs.inotify.max_user_instances`"
        default:
            break
        }
        return text
    }
}
