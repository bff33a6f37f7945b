// ragsync — MappedFile: a file mapped read-only into memory, unmapped when the last owner lets go.

import FoundationEssentials
import Glibc

/// A whole file mapped with `mmap(PROT_READ, MAP_PRIVATE)`.
///
/// The model's weights are used where they lie in the file instead of being copied: the kernel shares the pages with
/// the page cache and can drop them under memory pressure, and loading touches no more memory than inference does.
/// The mapping lives as long as this object; the descriptor is closed once it is mapped.
final class MappedFile: @unchecked Sendable {
    /// The file's bytes; empty for an empty file. Read-only: writing through it would fault.
    let bytes: UnsafeRawBufferPointer

    /// Maps `path`.
    /// - Throws: `LocalModelError.Code.unreadableFile` with the system's reason.
    init(path: String) throws(LocalModelError) {
        func failure(_ call: String) -> LocalModelError {
            LocalModelError(
                code: .unreadableFile, path: path,
                detail: "cannot \(call) the file (\(String(cString: strerror(errno))))",
                advice: LocalModelError.installAdvice)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("stat") }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw failure("map")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
