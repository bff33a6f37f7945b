// ragsync — EmbeddingsWireFormat: the JSON of OpenAI's /embeddings endpoint, encoded and checked.

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

    /// The request body: `{"model":…,"input":[…],"dimensions":…,"encoding_format":…}`.
    /// - Parameters:
    ///   - inputs: the texts.
    ///   - model: the model name.
    ///   - dimensions: sent when not nil.
    ///   - encoding: the vector encoding to ask for.
    /// - Returns: JSON bytes.
    static func requestBody(inputs: [String], model: String, dimensions: Int?, encoding: Encoding) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(inputs.reduce(96 + model.utf8.count) { $0 + $1.utf8.count + 3 })
        body += #"{"model":"#.utf8
        appendJSONString(model, to: &body)
        body += #","input":["#.utf8
        for (position, input) in inputs.enumerated() {
            if position > 0 { body.append(UInt8(ascii: ",")) }
            appendJSONString(input, to: &body)
        }
        body.append(UInt8(ascii: "]"))
        if let dimensions { body += #","dimensions":\#(dimensions)"#.utf8 }
        body += #","encoding_format":""#.utf8
        body += encoding.rawValue.utf8
        body += #""}"#.utf8
        return body
    }

    /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func appendJSONString(_ text: String, to body: inout [UInt8]) {
        body.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                body += [UInt8(ascii: "\\"), byte]
            case 0x0A: body += #"\n"#.utf8
            case 0x0D: body += #"\r"#.utf8
            case 0x09: body += #"\t"#.utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                body += #"\u00"#.utf8
                body += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                body.append(byte)
            }
        }
        body.append(UInt8(ascii: "\""))
    }

    /// One element of an answer's `data`, as read; checked by ``decode(_:inputCount:dimensions:)``.
    private struct Item {
        var index: Int
        var embedding: Payload
    }

    private enum Payload {
        case base64(ArraySlice<UInt8>)
        case numbers([Float])
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
        var data: [Item]?
        var promptTokens: Int?
        do throws(JSONReader.Malformed) {
            var reader = JSONReader(body)
            guard reader.nextKind() == .object else { throw JSONReader.Malformed(message: "it is not a JSON object") }
            try reader.readObject { reader, key throws(JSONReader.Malformed) in
                switch key {
                case "data":
                    var items: [Item] = []
                    try reader.readArray(depth: 1) { reader throws(JSONReader.Malformed) in
                        items.append(try readItem(&reader))
                    }
                    data = items
                case "usage" where reader.nextKind() == .object:
                    try reader.readObject(depth: 1) { reader, key throws(JSONReader.Malformed) in
                        if key == "prompt_tokens", reader.nextKind() == .number {
                            promptTokens = try reader.readInt()
                        } else {
                            try reader.skipValue(depth: 1)
                        }
                    }
                default:
                    try reader.skipValue()
                }
            }
            try reader.expectEnd()
            guard data != nil else { throw JSONReader.Malformed(message: "missing \"data\"") }
        } catch {
            throw Invalid(
                isDimensionMismatch: false,
                message: "the body is not an embeddings JSON object (\(error.message)); it starts with \(snippet(body))"
            )
        }
        let items = data ?? []
        guard items.count == inputCount else {
            throw Invalid(
                isDimensionMismatch: false,
                message: "\(inputCount) inputs were sent but \(items.count) embeddings came back"
            )
        }
        var vectors = [[Float]?](repeating: nil, count: inputCount)
        for item in items {
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
        return Decoded(vectors: filled, promptTokens: promptTokens ?? 0)
    }

    /// Decodes base64 of little-endian float32 values, padded base64 as `Data(base64Encoded:)` reads it (no white
    /// space, `=` only as the last one or two characters), straight into the floats.
    /// - Parameter text: the base64 text.
    /// - Returns: the values, or nil when the text is not base64 of a multiple of 4 bytes.
    static func floats(base64 text: String) -> [Float]? {
        floats(base64: Array(text.utf8)[...])
    }

    /// ``floats(base64:)`` of the text's UTF-8 bytes.
    static func floats(base64 characters: ArraySlice<UInt8>) -> [Float]? {
        guard characters.count % 4 == 0 else { return nil }
        let padding = characters.reversed().prefix(2).prefix { $0 == UInt8(ascii: "=") }.count
        let byteCount = characters.count / 4 * 3 - padding
        guard byteCount % 4 == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: byteCount + padding)
        let values = base64Values
        var quad: UInt32 = 0
        for (position, character) in characters.enumerated() {
            let value: UInt8
            if position >= characters.count - padding {
                value = 0
            } else {
                value = values[Int(character)]
                guard value < 64 else { return nil }
            }
            quad = quad << 6 | UInt32(value)
            if position % 4 == 3 {
                let start = position / 4 * 3
                bytes[start] = UInt8(truncatingIfNeeded: quad >> 16)
                bytes[start + 1] = UInt8(truncatingIfNeeded: quad >> 8)
                bytes[start + 2] = UInt8(truncatingIfNeeded: quad)
                quad = 0
            }
        }
        let count = byteCount / 4
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    buffer[i] = Float(bitPattern: bits)
                }
            }
            initialized = count
        }
    }

    /// The value of each base64 character (`A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`); 255 for every other byte.
    private static let base64Values: [UInt8] = {
        var values = [UInt8](repeating: 255, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            values[Int(character)] = UInt8(value)
        }
        return values
    }()

    /// Reads one element of `data`: its `index` and its `embedding`, base64 text or an array of numbers.
    private static func readItem(_ reader: inout JSONReader) throws(JSONReader.Malformed) -> Item {
        var index: Int?
        var payload: Payload?
        try reader.readObject(depth: 2) { reader, key throws(JSONReader.Malformed) in
            switch key {
            case "index":
                index = try reader.readInt()
            case "embedding" where reader.nextKind() == .string:
                payload = .base64(try reader.readStringBytes())
            case "embedding" where reader.nextKind() == .array:
                var numbers: [Float] = []
                try reader.readArray(depth: 3) { reader throws(JSONReader.Malformed) in
                    numbers.append(try reader.readFloat())
                }
                payload = .numbers(numbers)
            case "embedding":
                throw JSONReader.Malformed(message: "an \"embedding\" is neither base64 text nor an array of numbers")
            default:
                try reader.skipValue(depth: 2)
            }
        }
        guard let index else { throw JSONReader.Malformed(message: "missing \"index\"") }
        guard let payload else { throw JSONReader.Malformed(message: "missing \"embedding\"") }
        return Item(index: index, embedding: payload)
    }

    /// The provider's error message and code from an error body: OpenAI's `{"error":{"message":…,"code":…}}`, or
    /// `{"error":"…"}`, `{"message":…}`, `{"detail":…}` of other servers, else the start of the body text.
    /// - Parameter body: the response body.
    /// - Returns: the message (nil for an empty body) and the error code, if any.
    static func providerError(in body: [UInt8]) -> (message: String?, code: String?) {
        if let fields = try? errorFields(in: body) {
            if let message = fields["error.message"] { return (message, fields["error.code"] ?? fields["error.type"]) }
            if let message = fields["error"] ?? fields["message"] ?? fields["detail"] { return (message, nil) }
        }
        let text = snippet(body)
        return (text.isEmpty ? nil : text, nil)
    }

    /// The text members an error body may carry: `error`, `message` and `detail`, and an `error` object's `message`,
    /// `code` and `type` (as `error.message`, …). Members of other types are skipped.
    private static func errorFields(in body: [UInt8]) throws(JSONReader.Malformed) -> [String: String] {
        var fields: [String: String] = [:]
        var reader = JSONReader(body)
        guard reader.nextKind() == .object else { throw JSONReader.Malformed(message: "it is not a JSON object") }
        try reader.readObject { reader, key throws(JSONReader.Malformed) in
            switch (key, reader.nextKind()) {
            case ("error", .object):
                try reader.readObject(depth: 1) { reader, inner throws(JSONReader.Malformed) in
                    if ["message", "code", "type"].contains(inner), reader.nextKind() == .string {
                        fields["error." + inner] = try reader.readString()
                    } else {
                        try reader.skipValue(depth: 1)
                    }
                }
            case ("error", .string), ("message", .string), ("detail", .string):
                fields[key] = try reader.readString()
            default:
                try reader.skipValue()
            }
        }
        try reader.expectEnd()
        return fields
    }

    /// The first 200 characters of a body, printable, on one line.
    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        let cleaned = String(
            text.unicodeScalars.map { $0.properties.isWhitespace || $0.value < 0x20 ? " " : Character($0) }
        )
        return cleaned.trimmingHTTPWhitespace() + (body.count > 200 ? "…" : "")
    }
}
