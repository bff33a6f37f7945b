// ragsync — ChangeBatch: the paths one indexing pass re-examines.

/// What changed since the last pass, as far as the watcher can tell.
///
/// A batch names places, not actions: each file is looked at on disk again (present → indexed if its hash changed,
/// absent → removed), each folder is walked and compared with the documents stored under it, and a full reconcile
/// compares everything. The content hash, not the event, decides what is written.
public struct ChangeBatch: Sendable, Equatable {
    /// Relative paths of documents to re-examine.
    public var files: Set<String> = []
    /// Relative paths of folders to walk again (created, moved in or out, renamed, deleted).
    public var folders: Set<String> = []
    /// True when events may have been lost, or on start, reload and the periodic check.
    public var isFullReconcile = false
    /// How long its oldest file or folder change had waited when the batch was taken (for the change-to-commit
    /// metric); nil for a batch made otherwise. Not part of equality: two batches are equal when they name the same
    /// places.
    public var oldestChangeAge: Duration?

    public init(files: Set<String> = [], folders: Set<String> = [], isFullReconcile: Bool = false) {
        self.files = files
        self.folders = folders
        self.isFullReconcile = isFullReconcile
    }

    public var isEmpty: Bool { files.isEmpty && folders.isEmpty && !isFullReconcile }

    public static func == (lhs: ChangeBatch, rhs: ChangeBatch) -> Bool {
        lhs.files == rhs.files && lhs.folders == rhs.folders && lhs.isFullReconcile == rhs.isFullReconcile
    }

    /// True when a stored document's path lies in this batch's scope.
    public func contains(_ relativePath: String) -> Bool {
        isFullReconcile || files.contains(relativePath)
            || folders.contains { relativePath.hasPrefix($0.isEmpty ? "" : $0 + "/") }
    }

    /// The folders to walk, without those inside another folder of the batch: a folder moved in and a folder moved
    /// into it a moment later are one walk, so no document is found twice. Sorted, so walks are repeatable.
    public var outermostFolders: [String] {
        guard !folders.contains("") else { return [""] }
        return folders.filter { folder in
            var ancestor = Substring(folder)
            while let slash = ancestor.lastIndex(of: "/") {
                ancestor = ancestor[..<slash]
                if folders.contains(String(ancestor)) { return false }
            }
            return true
        }.sorted()
    }

    /// Documents and folders in the batch, for STATUS.
    public var count: Int { files.count + folders.count }
}
