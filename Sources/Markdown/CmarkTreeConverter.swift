// ragsync — CmarkTreeConverter: runs cmark-gfm and converts its node tree into MarkdownBlock values.

internal import CCmarkGFM
import Synchronization

/// Registers the GFM core extensions exactly once per process.
///
/// `cmark_gfm_core_extensions_ensure_registered` guards itself with a plain static flag, which is not
/// thread-safe; a lazily initialized global `let` is (Swift runs its initializer once, atomically).
private let coreExtensionsRegistered: Bool = {
    cmark_gfm_core_extensions_ensure_registered()
    return true
}()

/// One parse at a time in the process: cmark-gfm adds an extension's special characters (`~` for strikethrough) to a
/// table shared by every parser while it parses inlines and removes them when done, so a parse finishing on one thread
/// made another miss `~~text~~` (seen once in the test suite, which parses on many threads). Parses are short and the
/// daemon runs one at a time anyway.
private let parsing = Mutex(())

/// The GFM syntax extensions attached to every parser.
private let extensionNames = ["table", "strikethrough", "autolink"]

/// Parses markdown with cmark-gfm and converts the tree; no C pointer outlives ``blocks(parsing:)``.
enum CmarkTreeConverter {
    /// Parses `text` and returns its blocks.
    ///
    /// The corresponding C functions are `cmark_parser_new`, `cmark_parser_feed`, `cmark_parser_finish`;
    /// the document root is freed with `cmark_node_free` exactly once, by the `defer` below.
    /// - Parameter text: Markdown source.
    /// - Returns: The flattened blocks in source order.
    /// - Parameter inPieces: parse a very large text a piece at a time (``MarkdownSegmenter``), each piece's tree freed
    ///   before the next is built; false parses it whole.
    static func blocks(parsing text: String, inPieces: Bool = true) -> [MarkdownBlock] {
        parsing.withLock { _ in
            guard inPieces else { return blocksAlone(parsing: text, tables: true) }
            return blocksInPieces(parsing: text, limit: .max) ?? []
        }
    }

    /// Parses `text` a piece at a time, as ``blocks(parsing:inPieces:)`` does, unless its blocks are more than
    /// `limit` (a table counting its rows).
    /// - Returns: nil as soon as the pieces parsed so far hold more blocks than `limit`; the rest is not parsed.
    static func blocks(parsing text: String, limit: Int) -> [MarkdownBlock]? {
        parsing.withLock { _ in blocksInPieces(parsing: text, limit: limit) }
    }

    /// ``blocks(parsing:limit:)`` without the lock.
    private static func blocksInPieces(parsing text: String, limit: Int) -> [MarkdownBlock]? {
        var blocks: [MarkdownBlock] = []
        var count = 0
        for piece in MarkdownSegmenter.pieces(of: text) {
            let parsed = blocksAlone(parsing: piece.text, tables: piece.parsesTables)
            for block in parsed {
                if case .table(let rows) = block { count += rows.count } else { count += 1 }
            }
            if count > limit { return nil }
            blocks += parsed
        }
        return blocks
    }

    /// ``blocks(parsing:)`` without the lock.
    /// - Parameter tables: attach the table extension (``MarkdownSegmenter/Piece/parsesTables``).
    private static func blocksAlone(parsing text: String, tables: Bool) -> [MarkdownBlock] {
        // trap: a constant set once at load; no document can change it.
        precondition(coreExtensionsRegistered)
        guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT) else {
            // trap: cmark only returns NULL when malloc fails, which its allocator turns into abort() anyway.
            preconditionFailure("cmark_parser_new failed")
        }
        defer { cmark_parser_free(parser) }
        for name in extensionNames where tables || name != "table" {
            if let syntaxExtension = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, syntaxExtension)
            }
        }
        var source = text
        source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    cmark_parser_feed(parser, base, chars.count)
                }
            }
        }
        guard let root = cmark_parser_finish(parser) else { return [] }
        defer { cmark_node_free(root) }

        var walker = BlockWalker()
        walker.walk(root)
        return walker.blocks
    }
}

/// Walks a cmark tree iteratively (`cmark_iter_*`), so arbitrarily deep nesting cannot overflow the stack.
private struct BlockWalker {
    /// A list item whose paragraphs are still being collected.
    private struct OpenItem {
        var depth: Int
        var paragraphs: [String] = []
    }

    private(set) var blocks: [MarkdownBlock] = []
    private var listDepth = 0
    private var openItems: [OpenItem] = []
    /// Non-nil while inside a paragraph, heading or table cell: the inline text collected so far.
    private var inlineText: String?
    private var tableRows: [[String]]?
    private var tableRow: [String]?

    mutating func walk(_ root: OpaquePointer) {
        guard let iterator = cmark_iter_new(root) else { return }
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE || event == CMARK_EVENT_NONE { break }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            if event == CMARK_EVENT_ENTER {
                enter(node)
            } else {
                exit(node)
            }
        }
        flushOpenItem()
    }

    private mutating func enter(_ node: OpaquePointer) {
        switch cmark_node_get_type(node) {
        case CMARK_NODE_LIST:
            flushOpenItem()
            listDepth += 1
        case CMARK_NODE_ITEM:
            openItems.append(OpenItem(depth: max(0, listDepth - 1)))
        case CMARK_NODE_PARAGRAPH, CMARK_NODE_HEADING:
            inlineText = ""
        case CMARK_NODE_CODE_BLOCK:
            flushOpenItem()
            var code = Self.literal(of: node)
            if code.hasSuffix("\n") { code.removeLast() }
            blocks.append(.codeBlock(language: Self.language(of: node), code: code))
        case CMARK_NODE_THEMATIC_BREAK:
            flushOpenItem()
            blocks.append(.thematicBreak)
        case CMARK_NODE_TEXT, CMARK_NODE_CODE:
            if inlineText != nil {
                let text = Self.literal(of: node)
                inlineText?.append(text)
            }
        case CMARK_NODE_SOFTBREAK:
            inlineText?.append(" ")
        case CMARK_NODE_LINEBREAK:
            inlineText?.append("\n")
        case CMARK_NODE_DOCUMENT, CMARK_NODE_BLOCK_QUOTE, CMARK_NODE_HTML_BLOCK, CMARK_NODE_HTML_INLINE,
            CMARK_NODE_EMPH, CMARK_NODE_STRONG, CMARK_NODE_LINK, CMARK_NODE_IMAGE:
            // Containers contribute only through their children; raw HTML is dropped.
            break
        default:
            switch Self.typeString(of: node) {
            case "table":
                flushOpenItem()
                tableRows = []
            case "table_header", "table_row":
                tableRow = []
            case "table_cell":
                inlineText = ""
            default:
                break  // strikethrough and other inline extensions: their children carry the text
            }
        }
    }

    private mutating func exit(_ node: OpaquePointer) {
        switch cmark_node_get_type(node) {
        case CMARK_NODE_LIST:
            listDepth -= 1
        case CMARK_NODE_ITEM:
            flushOpenItem()
            openItems.removeLast()
        case CMARK_NODE_PARAGRAPH:
            let text = takeInlineText()
            if text.isEmpty { return }
            if openItems.isEmpty {
                blocks.append(.paragraph(text))
            } else {
                openItems[openItems.count - 1].paragraphs.append(text)
            }
        case CMARK_NODE_HEADING:
            flushOpenItem()
            let level = Int(cmark_node_get_heading_level(node))
            blocks.append(.heading(level: level, text: takeInlineText()))
        default:
            switch Self.typeString(of: node) {
            case "table_cell":
                let cell = takeInlineText()
                tableRow?.append(cell)
            case "table_header", "table_row":
                if let row = tableRow { tableRows?.append(row) }
                tableRow = nil
            case "table":
                if let rows = tableRows, !rows.isEmpty { blocks.append(.table(rows: rows)) }
                tableRows = nil
            default:
                break
            }
        }
    }

    /// Emits the innermost open list item's paragraphs collected so far (before a nested block or at its end).
    private mutating func flushOpenItem() {
        guard let item = openItems.last, !item.paragraphs.isEmpty else { return }
        blocks.append(.listItem(depth: item.depth, text: item.paragraphs.joined(separator: "\n")))
        openItems[openItems.count - 1].paragraphs = []
    }

    private mutating func takeInlineText() -> String {
        let text = inlineText ?? ""
        inlineText = nil
        return trimmed(text)
    }

    private static func literal(of node: OpaquePointer) -> String {
        guard let pointer = cmark_node_get_literal(node) else { return "" }
        return String(cString: pointer)
    }

    private static func typeString(of node: OpaquePointer) -> String {
        guard let pointer = cmark_node_get_type_string(node) else { return "" }
        return String(cString: pointer)
    }

    private static func language(of node: OpaquePointer) -> String? {
        guard let pointer = cmark_node_get_fence_info(node) else { return nil }
        let info = String(cString: pointer)
        let word = info.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        return word?.isEmpty == false ? word : nil
    }

    private func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice.count == text.count ? text : String(slice)
    }
}
