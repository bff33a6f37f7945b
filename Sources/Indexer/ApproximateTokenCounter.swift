// ragsync — ApproximateTokenCounter: a fast, vocabulary-free estimate of OpenAI cl100k_base token counts.

/// Estimates how many cl100k_base tokens (the tokenizer of OpenAI's embedding models) a text has,
/// without the 100k-entry vocabulary, in one pass over its UTF-8 bytes.
///
/// Design, following cl100k's pre-tokenizer (which splits text into letter runs, digit groups of at most
/// three, punctuation runs and whitespace before BPE merges the pieces):
/// - a run of ASCII letters costs 1 token up to 6 letters, then 1 more per 4 letters; a lower→upper case
///   change (camelCase) starts a new run. Common English words are single tokens in cl100k, so prose
///   comes out at about one token per word;
/// - a run of digits costs 1 token per 3 digits (exactly cl100k's rule);
/// - each ASCII punctuation or symbol character costs 1 token, except repeats of the same character
///   (`----`, `====`), which cost 1 per 4;
/// - a single space or newline is free (cl100k glues it to the next word); longer whitespace runs cost
///   1 token per 8 characters;
/// - a 2-byte scalar (accented Latin, Greek, Cyrillic, Hebrew, Arabic) costs ½ token, a 3-byte scalar
///   (CJK, most other scripts) 1¼, a 4-byte scalar (emoji, rare CJK) 2½.
///
/// Accuracy: this is an estimate, not the tokenizer; it could not be measured against tiktoken here.
/// By construction it is close (±15 %) for English prose and code; it overestimates long English words
/// and punctuation runs (the safe direction); the worst underestimates are random letter strings
/// (cl100k ≈ 1 token per 2.5 letters, here 1 per 4: about 1.6×) and rare CJK/emoji (up to about 2.4×).
/// ``Chunker`` keeps a hard maximum of 1000 estimated tokens, so even a 2.4× underestimate stays far below
/// the model's 8191-token limit.
public struct ApproximateTokenCounter: TokenCounting {
    /// Creates a counter.
    public init() {}

    public var signatureName: String { "ApproximateTokenCounter" }

    private enum Run {
        case none, letters, digits, punctuation, whitespace
    }

    /// Estimates the tokens in `text`; see the type's documentation for the rules.
    /// - Parameter text: Any text.
    /// - Returns: The estimate; at least 1 for text that is not all whitespace.
    public func tokenCount(_ text: Substring) -> Int {
        var quarters = 0  // cost in quarter tokens, so fractional rules stay integer arithmetic
        var run = Run.none
        var runLength = 0
        var previous: UInt8 = 0
        var sawNonWhitespace = false

        for byte in text.utf8 {
            let isUpper = byte >= 0x41 && byte <= 0x5A
            let isLower = byte >= 0x61 && byte <= 0x7A
            if isUpper || isLower {
                let camelBreak = isUpper && previous >= 0x61 && previous <= 0x7A
                if run != .letters || camelBreak {
                    run = .letters
                    runLength = 0
                }
                runLength += 1
                // letters 1 and 7, 11, 15, … start a token
                if runLength == 1 || (runLength > 6 && (runLength - 7) % 4 == 0) { quarters += 4 }
                sawNonWhitespace = true
            } else if byte >= 0x30 && byte <= 0x39 {
                if run != .digits {
                    run = .digits
                    runLength = 0
                }
                if runLength % 3 == 0 { quarters += 4 }
                runLength += 1
                sawNonWhitespace = true
            } else if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D {
                if run != .whitespace {
                    run = .whitespace
                    runLength = 0
                }
                runLength += 1
                // the first character is free (it joins the next word); then 1 token per 8 characters
                if runLength >= 2 && (runLength - 2) % 8 == 0 { quarters += 4 }
            } else if byte < 0x80 {
                if run == .punctuation && byte == previous {
                    runLength += 1
                    if runLength % 4 == 0 { quarters += 4 }
                } else {
                    run = .punctuation
                    runLength = 0
                    quarters += 4
                }
                sawNonWhitespace = true
            } else {
                run = .none
                sawNonWhitespace = true
                switch byte {
                case 0xC0...0xDF: quarters += 2
                case 0xE0...0xEF: quarters += 5
                case 0xF0...0xFF: quarters += 10
                default: break  // continuation byte
                }
            }
            previous = byte
        }
        let tokens = (quarters + 3) / 4
        return sawNonWhitespace ? max(tokens, 1) : tokens
    }
}
