// ragsync — WordPieceTokenizer: BERT uncased WordPiece, as the all-MiniLM-L6-v2 pipeline tokenises.

import FoundationEssentials

/// BERT's uncased WordPiece tokeniser with the sentence-transformers pipeline's settings: `[CLS]` … `[SEP]` around
/// the pieces, truncation to 256 tokens in all, no padding.
///
/// Text is normalised and split into words by ``BertTextSplitter`` (cleaning, CJK ideographs apart, accents
/// stripped, lowercase, whitespace and punctuation). Each word is then cut greedily into the longest vocabulary
/// pieces from the left, continuations marked `##`; a word that cannot be cut completely, or that has more than
/// 100 Unicode scalars, becomes one `[UNK]`.
public struct WordPieceTokenizer: Sendable {
    /// The most tokens the model sees for one text, `[CLS]` and `[SEP]` included (sentence-transformers'
    /// `max_seq_length`; the model's `tokenizer.json` says 128, which the pipeline overrides).
    public static let maxSequenceLength = 256
    /// The most wordpieces of one text the model sees: `maxSequenceLength` less `[CLS]` and `[SEP]`.
    public static let maxWordpieces = maxSequenceLength - 2
    /// Longer words (in Unicode scalars, after normalisation) become `[UNK]`.
    public static let maxCharactersPerWord = 100

    private let vocabulary: WordPieceVocabulary
    /// The id of `[CLS]`.
    public let classifierID: Int
    /// The id of `[SEP]`.
    public let separatorID: Int
    /// The id of `[UNK]`.
    public let unknownID: Int

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { vocabulary.tokens.count }

    /// Loads a vocabulary file.
    /// - Parameter path: a BERT `vocab.txt`: one token per line, the line number (from 0) being its id.
    /// - Throws: `LocalModelError` (`unreadableFile`, `malformedVocabulary`) naming the file.
    public init(vocabularyFile path: String) throws(LocalModelError) {
        let file = try MappedFile(path: path)
        guard let text = String(validating: file.bytes, as: UTF8.self) else {
            throw LocalModelError(
                code: .unreadableFile, path: path, detail: "the vocabulary is not UTF-8 text",
                advice: LocalModelError.installAdvice
            )
        }
        // Split by scalars, not `Character`s, so a line starting with a combining mark stays intact.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line))
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines, path: path)
    }

    /// Uses a vocabulary given as strings.
    /// - Parameters:
    ///   - tokens: the tokens, one per id.
    ///   - path: where they came from, for error messages.
    /// - Throws: `LocalModelError.Code.malformedVocabulary` when `[CLS]`, `[SEP]` or `[UNK]` is missing.
    public init(tokens: [String], path: String = "vocabulary") throws(LocalModelError) {
        let vocabulary = WordPieceVocabulary(tokens: tokens)
        func special(_ token: String) throws(LocalModelError) -> Int {
            guard let id = vocabulary.id(of: token) else {
                throw LocalModelError(
                    code: .malformedVocabulary, path: path, detail: "the vocabulary has no \(token) token",
                    advice: LocalModelError.installAdvice
                )
            }
            return id
        }
        self.classifierID = try special("[CLS]")
        self.separatorID = try special("[SEP]")
        self.unknownID = try special("[UNK]")
        self.vocabulary = vocabulary
    }

    /// The token ids the model sees for `text`: `[CLS]`, at most `maxWordpieces` wordpieces, `[SEP]`.
    /// - Parameter text: any text; empty text gives `[CLS] [SEP]`.
    /// - Returns: between 2 and `maxSequenceLength` ids.
    public func encode(_ text: String) -> [Int] {
        var ids = [classifierID]
        ids.append(contentsOf: wordpieces(text, limit: Self.maxWordpieces))
        ids.append(separatorID)
        return ids
    }

    /// The number of wordpieces in `text`, without `[CLS]`/`[SEP]` and without truncation.
    ///
    /// A text the model sees whole has at most `maxWordpieces` of them; chunkers size chunks with it.
    /// - Parameter text: any text.
    /// - Returns: the count.
    public func count(_ text: String) -> Int {
        wordpieces(text, limit: .max).count
    }

    /// The wordpiece ids of `text`, without `[CLS]`/`[SEP]`.
    /// - Parameters:
    ///   - text: any text.
    ///   - limit: stop after this many pieces.
    /// - Returns: at most `limit` ids.
    public func wordpieces(_ text: String, limit: Int = .max) -> [Int] {
        var ids: [Int] = []
        for word in BertTextSplitter.words(in: text) {
            if ids.count >= limit { break }
            appendPieces(of: word[...], to: &ids)
        }
        if ids.count > limit { ids.removeLast(ids.count - limit) }
        return ids
    }

    /// The token string of an id, e.g. `##ing`.
    /// - Parameter id: a token id.
    /// - Returns: the token, or nil for an id outside the vocabulary.
    public func token(for id: Int) -> String? {
        vocabulary.tokens.indices.contains(id) ? vocabulary.tokens[id] : nil
    }

    /// Cuts one word into pieces, or `[UNK]`.
    private func appendPieces(of word: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
        guard word.count <= Self.maxCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        let firstPiece = ids.count
        var start = word.startIndex
        while start < word.endIndex {
            guard let piece = vocabulary.longestPiece(in: word, from: start) else {
                ids.removeLast(ids.count - firstPiece)
                ids.append(unknownID)
                return
            }
            ids.append(piece.id)
            start = piece.end
        }
    }
}
