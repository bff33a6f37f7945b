// ragsync — InotifyDescriptor: owns one inotify instance's file descriptor.

import Glibc

/// An inotify instance (inotify(7)), opened non-blocking and close-on-exec, closed when this object goes away.
///
/// Watches may be added and removed from any thread; reading belongs to one ``InotifyReader``.
public final class InotifyDescriptor: Sendable {
    /// The file descriptor; valid for the object's lifetime.
    public let rawValue: Int32

    /// Opens an instance.
    /// The corresponding C function is `inotify_init1(IN_NONBLOCK | IN_CLOEXEC)`.
    /// - Throws: ``InotifyError`` when the per-user instance limit is reached or the kernel lacks inotify.
    public init() throws(InotifyError) {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw InotifyError(operation: "inotify_init1", errno: errno) }
        rawValue = descriptor
    }

    deinit {
        close(rawValue)
    }

    /// Watches a directory (not following a symbolic link at `path`).
    /// The corresponding C function is `inotify_add_watch`.
    /// - Returns: the watch's descriptor; the same one when the directory (inode) is already watched.
    /// - Throws: ``InotifyError``; `ENOSPC` means `fs.inotify.max_user_watches` is reached, `ENOENT`/`ENOTDIR`
    ///   that the directory is gone or was replaced by a file.
    public func addWatch(_ path: String, mask: InotifyEventMask = .directoryChanges) throws(InotifyError)
        -> WatchDescriptor
    {
        let watch = inotify_add_watch(rawValue, path, mask.rawValue)
        guard watch >= 0 else { throw InotifyError(operation: "inotify_add_watch", path: path, errno: errno) }
        return WatchDescriptor(rawValue: watch)
    }

    /// Stops a watch. The kernel then queues `IN_IGNORED` for it. Do not call it for a watch that already
    /// reported `IN_IGNORED`: its number may have been given to a new watch.
    /// The corresponding C function is `inotify_rm_watch`.
    public func removeWatch(_ watch: WatchDescriptor) {
        // EINVAL only means the watch is already gone (its directory was deleted); nothing to do then.
        _ = inotify_rm_watch(rawValue, watch.rawValue)
    }
}
