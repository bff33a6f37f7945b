// ragsync — WordPieceVocabulary: vocab.txt as two tries for greedy longest-match lookups.

/// The tokens of a WordPiece vocabulary, stored as two tries over Unicode scalars: one for word-initial pieces and
/// one for `##` continuations (without the `##`).
///
/// Lookups compare scalars exactly, as the reference's hash map compares bytes (no canonical equivalence).
struct WordPieceVocabulary: Sendable {
    /// The token strings by id, as in the file.
    let tokens: [String]
    /// Trie edges: `node << 32 | scalar` → child node.
    private var edges: [UInt64: Int32] = [:]
    /// The token id that ends at each node, or -1.
    private var tokenIDs: [Int32] = [-1, -1]

    /// The root of word-initial pieces.
    private static let initialRoot: Int32 = 0
    /// The root of continuation pieces (`##…`).
    private static let continuationRoot: Int32 = 1

    /// Builds the tries; a token that occurs twice keeps its last id, as in the reference.
    /// - Parameter tokens: the token strings, one per id.
    init(tokens: [String]) {
        self.tokens = tokens
        edges.reserveCapacity(tokens.count * 4)
        for (id, token) in tokens.enumerated() {
            // Compared by scalars: as `Character`s, `##` followed by a spacing mark is `#`, `#ि`.
            var node = Self.initialRoot
            var scalars = Array(token.unicodeScalars)[...]
            if scalars.count > 2, scalars.starts(with: ["#", "#"]) {
                node = Self.continuationRoot
                scalars = scalars.dropFirst(2)
            }
            for scalar in scalars {
                let key = UInt64(UInt32(node)) << 32 | UInt64(scalar.value)
                if let child = edges[key] {
                    node = child
                } else {
                    let child = Int32(tokenIDs.count)
                    tokenIDs.append(-1)
                    edges[key] = child
                    node = child
                }
            }
            tokenIDs[Int(node)] = Int32(id)
        }
    }

    /// The id of a token given as a string, e.g. `[CLS]`.
    func id(of token: String) -> Int? {
        var node = Self.initialRoot
        for scalar in token.unicodeScalars {
            guard let child = edges[UInt64(UInt32(node)) << 32 | UInt64(scalar.value)] else { return nil }
            node = child
        }
        let id = tokenIDs[Int(node)]
        return id >= 0 ? Int(id) : nil
    }

    /// The longest vocabulary piece that starts at `start` in `word`.
    /// - Parameters:
    ///   - word: the word's scalars.
    ///   - start: where the piece starts; a piece after the first is looked up among the `##` continuations.
    /// - Returns: the piece's id and where it ends, or nil when no piece starts there.
    func longestPiece(in word: ArraySlice<Unicode.Scalar>, from start: Int) -> (id: Int, end: Int)? {
        var node = start == word.startIndex ? Self.initialRoot : Self.continuationRoot
        var best: (id: Int, end: Int)?
        var index = start
        while index < word.endIndex {
            guard let child = edges[UInt64(UInt32(node)) << 32 | UInt64(word[index].value)] else { break }
            node = child
            index += 1
            let id = tokenIDs[Int(node)]
            if id >= 0 { best = (Int(id), index) }
        }
        return best
    }
}
