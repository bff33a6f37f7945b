// ragsync — ContentHash: SHA-256 of content, as lowercase hex.

/// The SHA-256 digest of some content, kept as 64 lowercase hex characters.
///
/// Hex is what the database stores (`content_hash TEXT`) and what logs show, so the value is the hex
/// string itself; comparing two hashes compares their text.
public struct ContentHash: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The digest as 64 lowercase hexadecimal characters.
    public let hex: String

    /// Hashes a byte sequence.
    /// - Parameter bytes: The content.
    public init(of bytes: some Sequence<UInt8>) {
        var hasher = SHA256Hasher()
        let handled: Void? = bytes.withContiguousStorageIfAvailable { hasher.update(UnsafeRawBufferPointer($0)) }
        if handled == nil {
            Array(bytes).withUnsafeBytes { hasher.update($0) }
        }
        self.hex = Self.hex(of: hasher.finalize())
    }

    /// Hashes the UTF-8 encoding of a string.
    /// - Parameter text: The content.
    public init(of text: String) {
        var text = text
        var hasher = SHA256Hasher()
        text.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        self.hex = Self.hex(of: hasher.finalize())
    }

    /// Restores a hash from its hex form, as read back from the database.
    /// - Parameter hex: 64 hexadecimal characters; upper case is accepted and normalised.
    /// - Returns: `nil` when `hex` is not a SHA-256 digest in hex.
    public init?(hex: String) {
        let lowered = hex.lowercased()
        guard lowered.utf8.count == 64, lowered.utf8.allSatisfy({ Self.isHexDigit($0) }) else { return nil }
        self.hex = lowered
    }

    /// Decodes a hash stored as a hex string.
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a SHA-256 hex digest.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let hash = ContentHash(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a SHA-256 hex digest")
        }
        self = hash
    }

    /// Encodes the hash as its hex string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    /// The hex digest.
    public var description: String { hex }

    private static func hex(of digest: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}
