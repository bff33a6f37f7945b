// ragsync — ContentScanner: finds the markdown files under the content directory.

public import Foundation
import Glibc

/// Walks the content directory and lists the markdown documents in it.
///
/// Rules: `*.md` and `*.markdown` files, recursively; hidden files and folders, editor temporaries (`*~`, `#*#`,
/// `.#*`, vim's `4913`) and everything else are ignored. A symbolic link is followed only when its target stays
/// inside the content directory; a folder reached twice (a link loop, or two links to one folder) is walked once.
/// Names that are not valid UTF-8 cannot be stored in PostgreSQL's text columns; they are reported, not mangled.
public struct ContentScanner: Sendable {
    /// A markdown file found by the scan.
    public struct Entry: Sendable, Equatable {
        /// The path relative to the content directory with `/` separators: the `source_file` value.
        public var relativePath: String
        /// The real path to open (symbolic links resolved).
        public var absolutePath: String
    }

    /// What the scan found.
    public struct Result: Sendable {
        public var entries: [Entry]
        /// Paths passed over with the reason, e.g. a link leaving the content directory.
        public var skipped: [(path: String, reason: String)]
    }

    /// The canonical content directory.
    public let root: String

    /// - Throws: ``ContentDirectoryError`` when the directory does not exist or is not a directory.
    public init(root: URL) throws {
        guard let resolved = realpath(root.path, nil) else {
            throw ContentDirectoryError(path: root.path, reason: String(cString: strerror(errno)))
        }
        defer { free(resolved) }
        let path = String(cString: resolved)
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ContentDirectoryError(path: root.path, reason: "not a directory")
        }
        self.root = path
    }

    /// True for a file name ragsync indexes; used by the scan and by the watcher.
    public static func isDocumentName(_ name: String) -> Bool {
        guard !isIgnoredName(name) else { return false }
        let lower = name.lowercased()
        return lower.hasSuffix(".md") || lower.hasSuffix(".markdown")
    }

    /// True for hidden entries and editor or VCS temporaries.
    public static func isIgnoredName(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix("~") || (name.hasPrefix("#") && name.hasSuffix("#")) || name == "4913"
    }

    /// What ``entry(at:)`` found at one path.
    public enum Lookup: Sendable, Equatable {
        /// An indexable document.
        case document(Entry)
        /// Nothing indexable there: missing, ignored, not markdown, or a link leaving the tree.
        case absent
        /// The path could not be checked (e.g. permission denied on a folder); deletions are then unsafe.
        case unknown(reason: String)
    }

    /// True while the content directory exists as a directory.
    public var isRootPresent: Bool {
        var info = stat()
        return stat(root, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Looks at one document path, with the same rules as the walk.
    /// - Parameter relativePath: a `source_file` value.
    public func entry(at relativePath: String) -> Lookup {
        let components = relativePath.split(separator: "/").map(String.init)
        guard let name = components.last, Self.isDocumentName(name),
            !components.contains(where: { Self.isIgnoredName($0) || $0 == ".." })
        else { return .absent }
        let path = root + "/" + relativePath
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .absent : .unknown(reason: String(cString: strerror(errno)))
        }
        guard let target = insideRoot(path), stat(target, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return .absent
        }
        return .document(Entry(relativePath: relativePath, absolutePath: target))
    }

    /// Walks one folder of the tree.
    /// - Parameter relativePath: the folder, relative to the content directory.
    /// - Returns: the documents under it; none when it no longer exists.
    public func scan(folder relativePath: String) -> Result {
        var result = Result(entries: [], skipped: [])
        let components = relativePath.split(separator: "/").map(String.init)
        guard !components.contains(where: { Self.isIgnoredName($0) || $0 == ".." }) else { return result }
        var info = stat()
        guard let directory = insideRoot(root + "/" + relativePath), stat(directory, &info) == 0,
            (info.st_mode & S_IFMT) == S_IFDIR
        else { return result }
        var visited: Set<FileIdentity> = [FileIdentity(info)]
        walk(directory: directory, relative: relativePath, visited: &visited, into: &result)
        result.entries.sort { $0.relativePath < $1.relativePath }
        return result
    }

    /// Walks the tree.
    public func scan() -> Result {
        var result = Result(entries: [], skipped: [])
        var visited = Set<FileIdentity>()
        var rootInfo = stat()
        if stat(root, &rootInfo) == 0 { visited.insert(FileIdentity(rootInfo)) }
        walk(directory: root, relative: "", visited: &visited, into: &result)
        result.entries.sort { $0.relativePath < $1.relativePath }
        return result
    }

    private func walk(directory: String, relative: String, visited: inout Set<FileIdentity>, into result: inout Result) {
        guard let handle = opendir(directory) else {
            result.skipped.append((relative.isEmpty ? "." : relative, "cannot open folder: \(String(cString: strerror(errno)))"))
            return
        }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let nameBytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                let escaped = nameBytes.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
                result.skipped.append((relative + escaped, "file name is not valid UTF-8; rename it"))
                continue
            }
            if name == "." || name == ".." || Self.isIgnoredName(name) { continue }
            let path = directory + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }  // deleted since readdir
            var target = path
            if (info.st_mode & S_IFMT) == S_IFLNK {
                guard let resolved = insideRoot(path) else {
                    result.skipped.append((relativePath, "symbolic link leads outside the content directory or nowhere"))
                    continue
                }
                target = resolved
                guard stat(target, &info) == 0 else { continue }
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard visited.insert(FileIdentity(info)).inserted else {
                    result.skipped.append((relativePath, "folder already reached by another path (link loop?)"))
                    continue
                }
                walk(directory: target, relative: relativePath, visited: &visited, into: &result)
            case S_IFREG where Self.isDocumentName(name):
                result.entries.append(Entry(relativePath: relativePath, absolutePath: target))
            default:
                continue
            }
        }
    }

    /// The resolved target of a link when it lies inside the content directory.
    private func insideRoot(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        let target = String(cString: resolved)
        return target == root || target.hasPrefix(root + "/") ? target : nil
    }
}

/// A file's identity, to notice a folder reached twice.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// The content directory is missing or unusable.
public struct ContentDirectoryError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String {
        "content directory \(path): \(reason); set RAGSYNC_CONTENT_DIR (--content-dir) to an existing folder"
    }
}
