// ragsync — ChunkSection: a document's blocks grouped under their headings, as text units.

import Markdown

/// A run of blocks under one heading, rendered as text units ready for splitting.
///
/// Headings are hard chunk boundaries: a chunk never spans two sections, so an edit in one section
/// cannot move the chunks of another.
struct ChunkSection {
    /// One block's text and what joins it to the preceding unit in a chunk.
    struct Unit {
        var text: String
        /// "\n\n" between blocks, "\n" between consecutive list items or table rows.
        var separator: Substring
    }

    /// The enclosing headings, outermost first (empty headings omitted), each within ``HeadingLimit``.
    var headingPath: [String]
    var units: [Unit] = []

    /// A stable key for content-defined group boundaries: the hash of the section's heading and first unit.
    var cutKey: UInt64 {
        StableHash.of(Substring((headingPath.last ?? "") + "\n" + (units.first?.text ?? "")))
    }

    /// Groups blocks into sections; a heading without body produces no section of its own.
    static func sections(from blocks: [MarkdownBlock]) -> [ChunkSection] {
        var sections: [ChunkSection] = []
        var headings: [(level: Int, text: String)] = []
        var current = ChunkSection(headingPath: [])
        var previousWasListItem = false

        func add(_ text: String, joinedToPrevious: Bool) {
            guard !text.isEmpty else { return }
            current.units.append(Unit(text: text, separator: joinedToPrevious ? "\n" : "\n\n"))
        }

        for block in blocks {
            let wasListItem = previousWasListItem
            previousWasListItem = false
            switch block {
            case .heading(let level, let text):
                if !current.units.isEmpty { sections.append(current) }
                while let last = headings.last, last.level >= level { headings.removeLast() }
                // The rest of an over-long heading is the section's first paragraph.
                let (heading, rest) = HeadingLimit.split(text.replacingNewlines())
                headings.append((level, heading))
                current = ChunkSection(headingPath: headings.map(\.text).filter { !$0.isEmpty })
                add(rest, joinedToPrevious: false)
            case .paragraph(let text):
                add(text, joinedToPrevious: false)
            case .listItem(let depth, let text):
                let indent = String(repeating: "  ", count: depth)
                let newline = UInt8(ascii: "\n")
                let body = !text.utf8.contains(newline) ? text
                    : text.utf8.split(separator: newline, omittingEmptySubsequences: false)
                        .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n" + indent + "  ")
                add(indent + "- " + body, joinedToPrevious: wasListItem)
                previousWasListItem = true
            case .codeBlock(let language, let code):
                add("```" + (language ?? "") + "\n" + code + "\n```", joinedToPrevious: false)
            case .table(let rows):
                for (position, line) in tableLines(rows).enumerated() {
                    add(line, joinedToPrevious: position > 0)
                }
            case .thematicBreak:
                break
            }
        }
        if !current.units.isEmpty { sections.append(current) }
        return sections
    }

    /// Each data row as "Header1: cell1; Header2: cell2", so a row is understandable without the header.
    static func tableLines(_ rows: [[String]]) -> [String] {
        guard let header = rows.first else { return [] }
        if rows.count == 1 { return [header.filter { !$0.isEmpty }.joined(separator: "; ")] }
        return rows.dropFirst().map { row in
            row.enumerated().compactMap { column, cell -> String? in
                guard !cell.isEmpty else { return nil }
                let name = column < header.count ? header[column] : ""
                return name.isEmpty ? cell : "\(name): \(cell)"
            }.joined(separator: "; ")
        }
    }
}

extension String {
    /// The string with line breaks turned into spaces, for one-line contexts such as heading paths.
    func replacingNewlines() -> String {
        contains(where: \.isNewline) ? String(map { $0.isNewline ? " " : $0 }) : self
    }
}
