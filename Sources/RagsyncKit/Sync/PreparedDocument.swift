// ragsync — PreparedDocument: a file parsed and chunked, waiting for its embeddings.

import IndexStore
import Indexer
import SyncCore

/// A document's new version before it is written: its parsed metadata and its chunks.
struct PreparedDocument: Sendable {
    let relativePath: String
    /// The hash of the bytes parsed (newer than the scan's when the file changed in between).
    let contentHash: String
    let byteCount: Int
    let title: String
    let category: String?
    let chunks: [DocumentChunk]
    /// The title and headings, embedded once per document for retrieval; nil for a document of one chunk, whose
    /// chunk stands for it (the retrieval functions use the document's best chunk when it has no outline).
    let outline: DocumentOutline?
    let warnings: [String]
    /// The chunker's signature, recorded with the document.
    let chunking: String
    /// The file's settled stamp as text, when the bytes parsed are the ones read after it was taken.
    private(set) var fileStamp: String?
    /// The document-level metadata (tags and other frontmatter keys), without the per-chunk heading path.
    private let metadata: [String: JSONValue]

    /// Parses and chunks a file.
    /// - Parameter file: the file as the pass read it; its settled stamp is recorded with the document when the
    ///   bytes parsed are the ones that pass hashed.
    /// - Throws: `DocumentParseError` naming the file and the problem.
    init(file: ContentSnapshot.File, contents: ContentSnapshot.Contents, chunker: Chunker) throws(DocumentParseError) {
        try self.init(path: file.relativePath, contents: contents, chunker: chunker)
        if contents.hash == file.hash { fileStamp = file.settledStamp?.text }
    }

    /// Parses and chunks a file's bytes.
    /// - Throws: `DocumentParseError` naming the file and the problem.
    init(path relativePath: String, contents: ContentSnapshot.Contents, chunker: Chunker) throws(DocumentParseError) {
        let parsed = try DocumentParser().parse(contents.bytes, path: relativePath)
        self.relativePath = relativePath
        self.contentHash = contents.hash
        self.byteCount = contents.bytes.count
        self.title = parsed.title
        self.category = parsed.category
        self.chunks = chunker.chunks(for: parsed)
        self.outline = chunks.count > 1 ? chunker.outline(for: parsed, chunks: chunks) : nil
        self.chunking = chunker.signature
        self.fileStamp = nil
        self.warnings = parsed.warnings
        var metadata = parsed.extraMetadata
        metadata["tags"] = .array(parsed.tags.map(JSONValue.string))
        self.metadata = metadata
    }

    /// The rows to write; `vectors` holds the chunks just embedded, by chunk hash, and `staged` the hashes whose
    /// vectors are staged in the store.
    func update(vectors: [String: [Float]], staged: Set<String> = []) -> DocumentUpdate {
        let rows = chunks.map { chunk in
            let headingPath = chunk.headingPath.joined(separator: " > ")
            let metadata: [String: JSONValue] = [
                "heading_path": .string(headingPath), "chunk_hash": .string(chunk.contentHash.hex),
                "token_count": .int(chunk.tokenCount),
            ]
            return ChunkRow(
                index: chunk.index, content: chunk.content, contentHash: chunk.contentHash.hex,
                metadataJSON: JSONValue.object(metadata).jsonText, vector: vectors[chunk.contentHash.hex],
                headingPath: headingPath, vectorIsStaged: staged.contains(chunk.contentHash.hex))
        }
        return DocumentUpdate(
            sourceFile: relativePath, contentHash: contentHash, byteCount: byteCount, title: title,
            category: category, chunks: rows, metadataJSON: JSONValue.object(metadata).jsonText, chunking: chunking,
            outlineHash: outline?.hash,
            outlineVector: outline.flatMap { vectors[$0.hash] }, outlineText: outline?.text,
            description: chunks.lazy.compactMap(EmbeddedText.description(of:)).first { !$0.isEmpty } ?? "",
            fileStamp: fileStamp)
    }
}
