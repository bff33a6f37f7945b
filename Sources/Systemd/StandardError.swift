// ragsync — StandardError: text to file descriptor 2, as the journal's stdout stream or a terminal reads it.

import Glibc

/// Writes text to standard error with `write(2)`, whole, retrying after a signal or a partial write.
///
/// Foundation's `FileHandle.standardError` does the same through Foundation's file-handle classes, which every
/// process that logs a line would otherwise load. A failed write (a closed descriptor, a full disk behind a
/// redirect) is dropped: there is nowhere left to report it.
public enum StandardError {
    public static func write(_ text: String) {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.write(2, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if result > 0 {
                written += result
            } else if result < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}
