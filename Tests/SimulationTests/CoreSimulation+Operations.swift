// ragsync — CoreSimulation+Operations: what users and their tools do to the content folder, with the kernel's events.

import SyncCore

extension CoreSimulation {
    private static let folderNames = ["a", "b", "notes", "n1", "n2", "deep"]
    private static let fileNames = ["f0.md", "f1.md", "f2.md", "f3.md", "Readme.markdown", "todo.txt", ".hidden.md"]
    private static let words = [
        "swift", "daemon", "index", "vector", "postgres", "chunk", "embedding", "folder", "rename", "save",
        "resume", "project", "education", "skills", "latency", "retrieval", "the", "a", "of", "and",
    ]

    /// One operation on the disk, chosen at random, with the events the kernel queues for it.
    mutating func operate() {
        counters.operations += 1
        switch roll(100) {
        case 0..<22: writeFile(randomFilePath(), closing: roll(10) > 0)
        case 22..<30: atomicSave(randomFilePath())
        case 30..<36: vimSave(randomFilePath())
        case 36..<40: truncateThenWrite(randomFilePath())
        case 40..<48: if let path = existingFile() { unlink(path) }
        case 48..<56: if let path = existingFile() { rename(path, to: randomFilePath()) }
        case 56..<62: makeFolderWithFiles()
        case 62..<68: if let folder = existingFolder() { rename(folder, to: randomFolderPath()) }
        case 68..<72: if let folder = existingFolder() { moveOut(folder) }
        case 72..<77: moveIn()
        case 77..<81: if let folder = existingFolder() { removeTree(folder) }
        case 81..<84: linkOut()
        case 84..<87: checkoutBurst()
        case 87..<90: writeOutside()
        case 90..<95: if let path = existingFile() { rewriteSameSize(path) }
        default: writeFile(randomFilePath(), closing: true)
        }
    }

    // MARK: - Operations

    private mutating func writeFile(_ path: String, closing: Bool) {
        let bytes = randomDocument()
        guard let (_, created) = fileSystem.write(path, bytes), let (folder, name) = parent(of: path) else { return }
        note("write \(path)")
        if created { kernel.entryChanged(inFolder: folder, .created, name: name) }
        kernel.entryChanged(inFolder: folder, .modified, name: name)
        if closing { kernel.entryChanged(inFolder: folder, .closedAfterWriting, name: name) }
    }

    /// Changes a byte in place, keeping the size: within the same second the file keeps its stamp (the racy case).
    private mutating func rewriteSameSize(_ path: String) {
        guard let inode = fileSystem.inode(at: path), case .file(var bytes) = fileSystem.node(inode), !bytes.isEmpty,
            let (folder, name) = parent(of: path)
        else { return }
        let position = roll(bytes.count)
        bytes[position] = bytes[position] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        _ = fileSystem.write(path, bytes)
        note("rewrite same size \(path)")
        kernel.entryChanged(inFolder: folder, .modified, name: name)
        kernel.entryChanged(inFolder: folder, .closedAfterWriting, name: name)
    }

    /// Writes a hidden temporary, then renames it over the document (most editors).
    private mutating func atomicSave(_ path: String) {
        guard let (_, name) = parent(of: path) else { return }
        let temporary = String(path.dropLast(name.count)) + "." + name + ".tmp"
        writeFile(temporary, closing: true)
        rename(temporary, to: path)
    }

    /// Moves the old version aside as `name~`, writes the new one, removes the backup (vim).
    private mutating func vimSave(_ path: String) {
        guard fileSystem.inode(at: path) != nil else { return writeFile(path, closing: true) }
        rename(path, to: path + "~")
        writeFile(path, closing: true)
        unlink(path + "~")
    }

    private mutating func truncateThenWrite(_ path: String) {
        guard let (_, created) = fileSystem.write(path, []), let (folder, name) = parent(of: path) else { return }
        if created { kernel.entryChanged(inFolder: folder, .created, name: name) }
        kernel.entryChanged(inFolder: folder, .modified, name: name)
        writeFile(path, closing: true)
    }

    private mutating func unlink(_ path: String) {
        guard let (folder, name) = parent(of: path), fileSystem.remove(path) != nil else { return }
        note("unlink \(path)")
        kernel.entryChanged(inFolder: folder, .deleted, name: name)
    }

    /// `rename(2)` of a file or a folder, anywhere: the two halves share a cookie; a moved folder reports itself.
    private mutating func rename(_ from: String, to: String) {
        guard let moving = fileSystem.inode(at: from), let (fromFolder, fromName) = parent(of: from),
            let (toFolder, toName) = parent(of: to)
        else { return }
        let replaced = fileSystem.inode(at: to)
        guard fileSystem.rename(from, to: to) else { return }
        note("rename \(from) -> \(to)")
        var isFolder: WatchEvent.Kind = []
        if case .directory = fileSystem.node(moving) { isFolder = .isDirectory }
        if let replaced, replaced != moving, isFolder == .isDirectory { kernel.folderDeleted(replaced) }
        let cookie = kernel.cookie()
        kernel.entryChanged(inFolder: fromFolder, [.movedFrom, isFolder], name: fromName, cookie: cookie)
        kernel.entryChanged(inFolder: toFolder, [.movedTo, isFolder], name: toName, cookie: cookie)
        if isFolder == .isDirectory { kernel.folderMoved(moving) }
    }

    /// `mkdir -p` of one or two new levels, then a few files.
    private mutating func makeFolderWithFiles() {
        var path = existingFolder() ?? Self.root
        for _ in 0...roll(2) {
            path += "/" + Self.folderNames[roll(Self.folderNames.count)]
            if let inode = fileSystem.inode(at: path) {
                guard case .directory = fileSystem.node(inode) else { return }
                continue
            }
            guard fileSystem.makeDirectory(path) != nil, let (folder, name) = parent(of: path) else { return }
            note("mkdir \(path)")
            kernel.entryChanged(inFolder: folder, [.created, .isDirectory], name: name)
        }
        for _ in 0..<roll(4) { writeFile(path + "/" + Self.fileNames[roll(Self.fileNames.count)], closing: true) }
    }

    private mutating func moveOut(_ folder: String) {
        movedOut += 1
        rename(folder, to: Self.outside + "/out\(movedOut)")
    }

    /// Moves back a folder that was moved out, or brings in a new one with a file.
    private mutating func moveIn() {
        let outside = fileSystem.children(of: Self.outside).filter { if case .directory = fileSystem.node($0.inode) { true } else { false } }
        let source: String
        if !outside.isEmpty, roll(3) > 0 {
            source = Self.outside + "/" + outside[roll(outside.count)].name
        } else {
            movedOut += 1
            source = Self.outside + "/new\(movedOut)"
            fileSystem.makeDirectory(source)
            _ = fileSystem.write(source + "/" + Self.fileNames[roll(4)], randomDocument())
        }
        rename(source, to: randomFolderPath())
    }

    /// `rm -r`: children first, each unlink reported in its folder; each folder reports its own deletion.
    private mutating func removeTree(_ path: String) {
        guard let inode = fileSystem.inode(at: path) else { return }
        if case .directory = fileSystem.node(inode) {
            for (name, _) in fileSystem.children(of: path) { removeTree(path + "/" + name) }
            guard let (folder, name) = parent(of: path), fileSystem.remove(path) != nil else { return }
            note("rmdir \(path)")
            kernel.entryChanged(inFolder: folder, [.deleted, .isDirectory], name: name)
            kernel.folderDeleted(inode)
        } else {
            unlink(path)
        }
    }

    /// A link to a document outside the tree: never indexed.
    private mutating func linkOut() {
        let target = Self.outside + "/target.md"
        _ = fileSystem.write(target, randomDocument())
        let path = (existingFolder() ?? Self.root) + "/link\(roll(3)).md"
        guard fileSystem.makeLink(path, to: target) != nil, let (folder, name) = parent(of: path) else { return }
        kernel.entryChanged(inFolder: folder, .created, name: name)
    }

    /// A `git checkout`: many writes and unlinks at once.
    private mutating func checkoutBurst() {
        for _ in 0..<(8 + roll(20)) {
            if roll(4) == 0, let path = existingFile() { unlink(path) } else { writeFile(randomFilePath(), closing: true) }
        }
    }

    /// A write inside a folder moved out of the tree, whose watch may still report.
    private mutating func writeOutside() {
        let outside = fileSystem.children(of: Self.outside).filter { if case .directory = fileSystem.node($0.inode) { true } else { false } }
        guard !outside.isEmpty else { return }
        writeFile(Self.outside + "/" + outside[roll(outside.count)].name + "/" + Self.fileNames[roll(4)], closing: true)
    }

    // MARK: - Choosing paths and contents

    /// Every folder under the content directory (absolute paths), the root first.
    private func folders(under path: String = CoreSimulation.root) -> [String] {
        var found = [path]
        for (name, inode) in fileSystem.children(of: path) {
            if case .directory = fileSystem.node(inode) { found += folders(under: path + "/" + name) }
        }
        return found
    }

    private mutating func existingFolder() -> String? {
        let candidates = folders().dropFirst()
        return candidates.isEmpty ? nil : Array(candidates)[roll(candidates.count)]
    }

    private mutating func existingFile() -> String? {
        var files: [String] = []
        for folder in folders() {
            for (name, inode) in fileSystem.children(of: folder) {
                if case .file = fileSystem.node(inode) { files.append(folder + "/" + name) }
            }
        }
        return files.isEmpty ? nil : files[roll(files.count)]
    }

    private mutating func randomFilePath() -> String {
        let all = folders()
        return all[roll(all.count)] + "/" + Self.fileNames[roll(Self.fileNames.count)]
    }

    /// A new folder path inside the tree (an existing folder's name may be taken; the rename then fails or replaces
    /// an empty folder).
    private mutating func randomFolderPath() -> String {
        let all = folders()
        return all[roll(all.count)] + "/" + Self.folderNames[roll(Self.folderNames.count)]
    }

    private func parent(of path: String) -> (folder: Int, name: String)? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let folderPath = String(path[..<slash])
        guard let folder = fileSystem.inode(at: folderPath.isEmpty ? "/" : folderPath) else { return nil }
        return (folder, String(path[path.index(after: slash)...]))
    }

    /// A small markdown document: sometimes with frontmatter, sometimes with YAML that does not parse, a few
    /// headings, and text drawn from a small vocabulary so chunks repeat across files.
    private mutating func randomDocument() -> [UInt8] {
        var text = ""
        switch roll(10) {
        case 0: text += "---\ntitle: [unclosed\n---\n"
        case 1..<5: text += "---\ntitle: Doc \(roll(5))\ntags: [t\(roll(3))]\n---\n"
        default: break
        }
        for section in 0..<roll(4) {
            text += "\n## Section \(section)\n\n"
            for _ in 0..<(1 + roll(3)) {
                text += (0..<(3 + roll(30))).map { _ in Self.words[roll(Self.words.count)] }.joined(separator: " ") + ".\n\n"
            }
        }
        return Array(text.utf8)
    }
}
