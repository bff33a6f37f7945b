// ragsync — BertTextSplitter: BERT's uncased normaliser and pre-tokeniser, text to words.

// The standard library's own canonical decomposition (NFD), which its string comparison uses. Foundation's
// `decomposedStringWithCanonicalMapping` would link Foundation, CoreFoundation and ICU into every ragsync process.
@_spi(_Unicode) import Swift

/// Turns text into the words WordPiece sees, exactly as the reference (Hugging Face `tokenizers`: `BertNormalizer`
/// with `clean_text`, `handle_chinese_chars`, `lowercase` and accent stripping, then `BertPreTokenizer`).
///
/// Steps, in the reference's order:
/// 1. clean: drop NUL, U+FFFD and control, format and private-use characters (Cc, Cf, Co — tab, newline and carriage
///    return excepted); every other `White_Space` character becomes a space;
/// 2. put spaces around CJK ideographs, so each is a word of its own (kana and Hangul are not ideographs);
/// 3. strip accents: canonical decomposition (NFD), then drop non-spacing marks (Mn) — this also decomposes Hangul
///    syllables into conjoining jamo;
/// 4. lowercase, character by character with the full (context-free) mapping;
/// 5. split on whitespace, and make every punctuation character (Unicode P* and ASCII `!`–`/`, `:`–`@`, `[`–`` ` ``,
///    `{`–`~`) a word of its own.
///
/// Words are arrays of Unicode scalars, never `String`s: Swift compares strings by canonical equivalence, which would
/// match decomposed jamo against precomposed vocabulary entries that the reference keeps apart.
enum BertTextSplitter {
    /// The words of `text`, in order.
    /// - Parameter text: any text.
    /// - Returns: the words; empty for empty or all-whitespace text.
    static func words(in text: String) -> [[Unicode.Scalar]] {
        split(normalized(text))
    }

    /// Steps 1–4: the normalised text as scalars.
    static func normalized(_ text: String) -> [Unicode.Scalar] {
        var cleaned = String.UnicodeScalarView()
        var isASCII = true
        for scalar in text.unicodeScalars {
            if isRemoved(scalar) { continue }
            if scalar.properties.isWhitespace {
                cleaned.append(" ")
            } else if isCJKIdeograph(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
            if !scalar.isASCII { isASCII = false }
        }
        let decomposed = isASCII ? String(cleaned) : String(String.UnicodeScalarView(String(cleaned)._nfd))
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(decomposed.unicodeScalars.count)
        for scalar in decomposed.unicodeScalars {
            if scalar.isASCII {
                let value = scalar.value
                result.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
            } else if scalar.properties.generalCategory != .nonspacingMark {
                let properties = scalar.properties
                if properties.changesWhenLowercased {
                    result.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
                } else {
                    result.append(scalar)
                }
            }
        }
        return result
    }

    /// Step 5: whitespace separates words and is dropped; punctuation is a word of its own.
    static func split(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if scalar.properties.isWhitespace {
                if !current.isEmpty { words.append(current) }
                current.removeAll(keepingCapacity: true)
            } else if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current) }
                current.removeAll(keepingCapacity: true)
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Whether cleaning deletes the scalar: NUL, U+FFFD, and Cc/Cf/Co other than tab, newline and carriage return.
    ///
    /// Unassigned code points (Cn) are kept, as the reference's Unicode tables do; they become `[UNK]`.
    static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x00, 0xFFFD: return true
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// Whether the scalar is a CJK ideograph in the reference's ranges (`tokenizers`' `is_chinese_char`).
    static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Whether the scalar is punctuation for BERT: ASCII punctuation or a Unicode P* category.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<128: return false
        default:
            switch scalar.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                .initialPunctuation, .finalPunctuation, .otherPunctuation:
                return true
            default:
                return false
            }
        }
    }
}
