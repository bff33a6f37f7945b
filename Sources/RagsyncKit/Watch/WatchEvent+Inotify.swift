// ragsync — WatchEvent+Inotify: the kernel's event, in the watch state machine's terms.

import Inotify
import SyncCore

extension WatchEvent {
    /// The same event with inotify's mask bits translated one by one.
    init(_ event: InotifyEvent) {
        let bits: [(InotifyEventMask, WatchEvent.Kind)] = [
            (.modified, .modified), (.closedAfterWriting, .closedAfterWriting), (.movedFrom, .movedFrom),
            (.movedTo, .movedTo), (.created, .created), (.deleted, .deleted), (.watchedDeleted, .watchedDeleted),
            (.watchedMoved, .watchedMoved), (.unmounted, .unmounted), (.queueOverflowed, .queueOverflowed),
            (.ignored, .ignored), (.isDirectory, .isDirectory),
        ]
        var kind: WatchEvent.Kind = []
        for (mask, bit) in bits where event.mask.contains(mask) { kind.insert(bit) }
        self.init(watch: event.watch.rawValue, kind: kind, cookie: event.cookie, name: event.name)
    }
}
