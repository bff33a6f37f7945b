// ragsync — ContentScanner: finds the markdown files under the content directory.

/// Walks the content directory and lists the markdown documents in it.
///
/// Rules: `*.md` and `*.markdown` files, recursively; hidden files and folders, editor temporaries (`*~`, `#*#`,
/// `.#*`, vim's `4913`) and everything else are ignored. A symbolic link is followed only when its target stays
/// inside the content directory; a folder reached twice (a link loop, or two links to one folder) is walked once.
/// Names that are not valid UTF-8 cannot be stored in PostgreSQL's text columns; they are reported, not mangled.
///
/// It sees the disk only through a ``FileSystem``, so the same walk runs on the real disk and on a simulated one.
public struct ContentScanner: Sendable {
    /// A markdown file found by the scan.
    public struct Entry: Sendable, Equatable {
        /// The path relative to the content directory with `/` separators: the `source_file` value.
        public var relativePath: String
        /// The real path to open (symbolic links resolved).
        public var absolutePath: String
        /// The target's stamp as the walk saw it, before any read.
        public var stamp: FileStamp?
    }

    /// What the scan found.
    public struct Result: Sendable {
        public var entries: [Entry]
        /// Paths passed over with the reason, e.g. a link leaving the content directory.
        public var skipped: [(path: String, reason: String)]
    }

    /// The canonical content directory.
    public let root: String
    public let fileSystem: any FileSystem

    /// - Throws: ``ContentDirectoryError`` when the directory does not exist or is not a directory.
    public init(root: String, fileSystem: any FileSystem) throws(ContentDirectoryError) {
        guard let path = fileSystem.canonicalPath(root) else {
            let reason = (try? fileSystem.status(of: root, followingLinks: true)) == nil ? "no such directory" : "cannot resolve the path"
            throw ContentDirectoryError(path: root, reason: reason)
        }
        guard (try? fileSystem.status(of: path, followingLinks: true))?.kind == .directory else {
            throw ContentDirectoryError(path: root, reason: "not a directory")
        }
        self.root = path
        self.fileSystem = fileSystem
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
        (try? fileSystem.status(of: root, followingLinks: true))?.kind == .directory
    }

    /// Looks at one document path, with the same rules as the walk.
    /// - Parameter relativePath: a `source_file` value.
    public func entry(at relativePath: String) -> Lookup {
        let components = relativePath.split(separator: "/").map(String.init)
        guard let name = components.last, ContentNames.isDocument(name),
            !components.contains(where: { ContentNames.isIgnored($0) || $0 == ".." })
        else { return .absent }
        let path = root + "/" + relativePath
        do {
            _ = try fileSystem.status(of: path, followingLinks: false)
        } catch {
            return error.isMissing ? .absent : .unknown(reason: error.message)
        }
        guard let target = insideRoot(path), let info = try? fileSystem.status(of: target, followingLinks: true),
            info.kind == .regular
        else { return .absent }
        return .document(Entry(relativePath: relativePath, absolutePath: target, stamp: info.stamp))
    }

    /// Walks one folder of the tree.
    /// - Parameter relativePath: the folder, relative to the content directory.
    /// - Returns: the documents under it; none when it no longer exists.
    public func scan(folder relativePath: String) -> Result {
        var result = Result(entries: [], skipped: [])
        let components = relativePath.split(separator: "/").map(String.init)
        guard !components.contains(where: { ContentNames.isIgnored($0) || $0 == ".." }) else { return result }
        guard let directory = insideRoot(root + "/" + relativePath),
            let info = try? fileSystem.status(of: directory, followingLinks: true), info.kind == .directory
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
        if let rootInfo = try? fileSystem.status(of: root, followingLinks: true) { visited.insert(FileIdentity(rootInfo)) }
        walk(directory: root, relative: "", visited: &visited, into: &result)
        result.entries.sort { $0.relativePath < $1.relativePath }
        return result
    }

    private func walk(directory: String, relative: String, visited: inout Set<FileIdentity>, into result: inout Result) {
        let entries: [(entry: DirectoryEntry, status: FileStatus?)]
        do {
            entries = try fileSystem.entriesWithStatus(of: directory)
        } catch {
            result.skipped.append((relative.isEmpty ? "." : relative, "cannot open folder: \(error.message)"))
            return
        }
        for (entry, status) in entries {
            guard let name = String(validating: entry.name, as: UTF8.self) else {
                result.skipped.append((relative + ContentNames.display(entry.name), "file name is not valid UTF-8; rename it"))
                continue
            }
            if ContentNames.isIgnored(name) { continue }
            let path = directory + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            guard var info = status else { continue }  // deleted since the listing
            var target = path
            if info.kind == .symbolicLink {
                guard let resolved = insideRoot(path) else {
                    result.skipped.append((relativePath, "symbolic link leads outside the content directory or nowhere"))
                    continue
                }
                target = resolved
                guard let targetInfo = try? fileSystem.status(of: target, followingLinks: true) else { continue }
                info = targetInfo
            }
            switch info.kind {
            case .directory:
                guard visited.insert(FileIdentity(info)).inserted else {
                    result.skipped.append((relativePath, "folder already reached by another path (link loop?)"))
                    continue
                }
                walk(directory: target, relative: relativePath, visited: &visited, into: &result)
            case .regular where ContentNames.isDocument(name):
                result.entries.append(Entry(relativePath: relativePath, absolutePath: target, stamp: info.stamp))
            default:
                continue
            }
        }
    }

    /// The resolved target of a link when it lies inside the content directory.
    private func insideRoot(_ path: String) -> String? {
        guard let target = fileSystem.canonicalPath(path) else { return nil }
        return target == root || target.hasPrefix(root + "/") ? target : nil
    }
}

/// A file's identity, to notice a folder reached twice.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init(_ info: FileStatus) {
        device = info.device
        inode = info.inode
    }
}

/// The content directory is missing or unusable.
public struct ContentDirectoryError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String {
        "content directory \(path): \(reason); set RAGSYNC_CONTENT_DIR (--content-dir) to an existing folder"
    }
}
