// ragsync — SectionGrouping: which consecutive sections share a chunk.

/// Groups a document's sections into chunks-to-be, from their token sizes alone.
///
/// - Small sections are packed with their neighbours until the next would pass the target. A group also
///   ends after a section whose own hash says so, once the group holds two thirds of the target: such cut points
///   depend on the section, not on its position, so an edit that changes one section's size moves group
///   boundaries only until the next cut point both versions share.
/// - A group that holds a third of the target ends before a section outside its branch (a section whose parent
///   heading is not under the group's common parent): the last job of a resume's "Experience" is not packed with
///   "Education", whose chunk would otherwise be headed by the document alone and found by neither.
/// - A section larger than the target is a group of its own, cut into several chunks by ``SectionPacker``.
struct SectionGrouping {
    /// Consecutive sections and whether they become one packed chunk (false: one section cut into several).
    struct Group: Equatable {
        var range: Range<Int>
        var isPacked: Bool
    }

    let groups: [Group]

    /// - Parameters:
    ///   - sizes: each section's tokens.
    ///   - cutKeys: each section's stable key for content-defined cut points.
    ///   - headingPaths: each section's headings, outermost first.
    ///   - target: the chunk target.
    init(sizes: [Int], cutKeys: [UInt64], headingPaths: [[String]], target: Int) {
        var groups: [Group] = []
        var start = 0
        var tokens = 0
        // The parent headings every section of the open group shares; nil while the group is empty.
        var branch: ArraySlice<String>?
        func close(at end: Int) {
            if start < end { groups.append(Group(range: start..<end, isPacked: true)) }
            start = end
            tokens = 0
            branch = nil
        }
        // Cut points only past two thirds of the target, about one per half target after that: groups average
        // close to the target (measured: 90% of it on 20,000 one-line sections) while edits still resynchronise.
        let minimum = target * 2 / 3
        let spread = UInt64(max(1, target / 2))
        for (position, size) in sizes.enumerated() {
            if size > target {
                close(at: position)
                groups.append(Group(range: position..<position + 1, isPacked: false))
                start = position + 1
                continue
            }
            let parent = headingPaths.indices.contains(position) ? headingPaths[position].dropLast() : ArraySlice()
            if let shared = branch, tokens >= target / 3, !parent.starts(with: shared) { close(at: position) }
            if tokens + size > target { close(at: position) }
            tokens += size
            branch = branch.map { shared in shared.prefix(zip(shared, parent).prefix { $0 == $1 }.count) } ?? parent
            let key = cutKeys.indices.contains(position) ? cutKeys[position] : 0
            let scale: UInt64 = 1 << 32
            if tokens >= minimum, (key % scale) * spread < UInt64(size) * scale {
                close(at: position + 1)
            }
        }
        close(at: sizes.count)
        self.groups = groups
    }
}
