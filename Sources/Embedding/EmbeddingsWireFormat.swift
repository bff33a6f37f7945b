// ragsync — EmbeddingsWireFormat: the JSON of OpenAI's /embeddings endpoint, encoded and checked.

import FoundationEssentials

/// Encodes requests and decodes and validates answers of the OpenAI embeddings API. Pure: no I/O.
enum EmbeddingsWireFormat {
    /// How vectors travel in the answer.
    enum Encoding: String {
        /// Base64 of little-endian float32: a third of the size of JSON numbers and much faster to decode.
        case base64
        /// JSON number arrays, for servers that do not implement base64.
        case float
    }

    /// A decoded and validated answer.
    struct Decoded {
        var vectors: [[Float]]
        var promptTokens: Int
    }

    /// Why an answer was refused.
    struct Invalid: Error {
        /// True when the only fault is the vector size.
        var isDimensionMismatch: Bool
        var message: String
    }

    private struct Request: Encodable {
        var model: String
        var input: [String]
        var dimensions: Int?
        // swift-format-ignore: AlwaysUseLowerCamelCase
        var encoding_format: String
    }

    /// The request body.
    /// - Parameters:
    ///   - inputs: the texts.
    ///   - model: the model name.
    ///   - dimensions: sent when not nil.
    ///   - encoding: the vector encoding to ask for.
    /// - Returns: JSON bytes.
    /// - Throws: `EncodingError`, which strings and integers never raise; thrown rather than trapped all the same.
    static func requestBody(inputs: [String], model: String, dimensions: Int?, encoding: Encoding) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let request = Request(model: model, input: inputs, dimensions: dimensions, encoding_format: encoding.rawValue)
        return [UInt8](try encoder.encode(request))
    }

    private struct Response: Decodable {
        struct Item: Decodable {
            var index: Int
            var embedding: Payload
        }
        struct Usage: Decodable {
            // swift-format-ignore: AlwaysUseLowerCamelCase
            var prompt_tokens: Int?
        }
        var data: [Item]
        var usage: Usage?
    }

    private enum Payload: Decodable {
        case base64(String)
        case numbers([Float])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .base64(text)
            } else {
                self = .numbers(try container.decode([Float].self))
            }
        }
    }

    /// Decodes an answer and checks it: one vector per input, every index once, the configured size, finite values.
    ///
    /// Accepts JSON number arrays even when base64 was asked for.
    /// - Parameters:
    ///   - body: the response body.
    ///   - inputCount: how many texts were sent.
    ///   - dimensions: the expected vector size.
    /// - Returns: vectors in input order and the token count.
    /// - Throws: `Invalid` with a message saying what is wrong.
    static func decode(_ body: [UInt8], inputCount: Int, dimensions: Int) throws(Invalid) -> Decoded {
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: Data(body))
        } catch {
            throw Invalid(
                isDimensionMismatch: false,
                message: "the body is not an embeddings JSON object (\(Self.describe(error))); "
                    + "it starts with \(snippet(body))"
            )
        }
        guard response.data.count == inputCount else {
            throw Invalid(
                isDimensionMismatch: false,
                message: "\(inputCount) inputs were sent but \(response.data.count) embeddings came back"
            )
        }
        var vectors = [[Float]?](repeating: nil, count: inputCount)
        for item in response.data {
            guard vectors.indices.contains(item.index) else {
                throw Invalid(
                    isDimensionMismatch: false,
                    message: "embedding index \(item.index) is out of range 0..<\(inputCount)"
                )
            }
            guard vectors[item.index] == nil else {
                throw Invalid(isDimensionMismatch: false, message: "embedding index \(item.index) appears twice")
            }
            let vector: [Float]
            switch item.embedding {
            case .numbers(let numbers):
                vector = numbers
            case .base64(let text):
                guard let decoded = floats(base64: text) else {
                    throw Invalid(
                        isDimensionMismatch: false,
                        message: "embedding \(item.index) is not valid base64 of float32 values"
                    )
                }
                vector = decoded
            }
            guard vector.count == dimensions else {
                throw Invalid(
                    isDimensionMismatch: true,
                    message: "embedding \(item.index) has \(vector.count) dimensions, but \(dimensions) are configured"
                )
            }
            guard vector.allSatisfy(\.isFinite) else {
                throw Invalid(
                    isDimensionMismatch: false,
                    message: "embedding \(item.index) contains NaN or infinite values"
                )
            }
            vectors[item.index] = vector
        }
        // Count matches and every index is in range and unique, so every slot is filled; checked all the same.
        let filled = vectors.compactMap { $0 }
        guard filled.count == inputCount else {
            throw Invalid(isDimensionMismatch: false, message: "the reply left \(inputCount - filled.count) input(s) without an embedding")
        }
        return Decoded(vectors: filled, promptTokens: response.usage?.prompt_tokens ?? 0)
    }

    /// Decodes base64 of little-endian float32 values.
    /// - Parameter text: the base64 text.
    /// - Returns: the values, or nil when the text is not base64 of a multiple of 4 bytes.
    static func floats(base64 text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        let count = data.count / 4
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    buffer[i] = Float(bitPattern: bits)
                }
                initialized = count
            }
        }
    }

    /// The provider's error message and code from an error body: OpenAI's `{"error":{"message":…,"code":…}}`, or
    /// `{"error":"…"}`, `{"message":…}`, `{"detail":…}` of other servers, else the start of the body text.
    /// - Parameter body: the response body.
    /// - Returns: the message (nil for an empty body) and the error code, if any.
    static func providerError(in body: [UInt8]) -> (message: String?, code: String?) {
        if let error = try? JSONDecoder().decode(ProviderError.self, from: Data(body)), let message = error.message {
            return (message, error.code)
        }
        let text = snippet(body)
        return (text.isEmpty ? nil : text, nil)
    }

    /// An error body's message and code, read leniently: a field of another JSON type than expected is absent.
    private struct ProviderError: Decodable {
        var message: String?
        var code: String?

        private enum Key: String, CodingKey {
            case error, message, detail, code, type
        }

        init(from decoder: any Decoder) throws {
            let body = try decoder.container(keyedBy: Key.self)
            if let error = try? body.nestedContainer(keyedBy: Key.self, forKey: .error),
                let message = try? error.decode(String.self, forKey: .message)
            {
                self.message = message
                code = (try? error.decode(String.self, forKey: .code)) ?? (try? error.decode(String.self, forKey: .type))
                return
            }
            message = [Key.error, .message, .detail].lazy.compactMap { try? body.decode(String.self, forKey: $0) }.first
        }
    }

    /// The first 200 characters of a body, printable, on one line.
    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        let cleaned = String(
            text.unicodeScalars.map { $0.properties.isWhitespace || $0.value < 0x20 ? " " : Character($0) }
        )
        return cleaned.trimmingHTTPWhitespace() + (body.count > 200 ? "…" : "")
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "unexpected value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted: return "invalid JSON"
        default: return "invalid JSON"
        }
    }
}
