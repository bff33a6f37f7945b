// ragsync — PostgresVectorArray: many pgvector values as one binary `vector[]` parameter.

/// Vectors bound as one `vector[]` parameter in PostgreSQL's binary array format, cast with `$n::vector[]`.
///
/// The text form (`{"[0.1,…]",…}`) costs a float-to-decimal conversion per component on the client and a parse on
/// the server: for a cold index of a few thousand chunks of 1536 dimensions that was most of ragsync's CPU time.
/// The binary form is the floats' bytes, read by pgvector's `vector_recv` as they are.
public struct PostgresVectorArray: PostgresEncodable {
    public var vectors: [[Float]]
    /// The OID of the `vector` type in this database (an extension type, so it differs between databases).
    public var vectorTypeOID: UInt32

    public init(_ vectors: [[Float]], vectorTypeOID: UInt32) {
        self.vectors = vectors
        self.vectorTypeOID = vectorTypeOID
    }

    public var postgresText: String? {
        PostgresArray(vectors.map { PostgresVector($0).postgresText }).postgresText
    }

    /// `array_send`'s layout: dimensions, flags, element type, (length, lower bound), then each element as a
    /// length and `vector_send`'s layout (int16 dimensions, int16 unused, float4 components), all big-endian.
    public var postgresValue: PostgresValue {
        let count = 20 + vectors.reduce(0) { $0 + 8 + 4 * $1.count }
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var offset = 0
            func put<Integer: FixedWidthInteger>(_ value: Integer) {
                withUnsafeBytes(of: value.bigEndian) { source in
                    // The buffer holds at least the 20-byte header and an integer's bytes are never empty.
                    guard let target = buffer.baseAddress, let base = source.baseAddress else { return }
                    UnsafeMutableRawPointer(target + offset).copyMemory(from: base, byteCount: source.count)
                }
                offset += MemoryLayout<Integer>.size
            }
            put(Int32(1))  // one dimension
            put(Int32(0))  // no NULLs
            put(vectorTypeOID)
            put(Int32(vectors.count))
            put(Int32(1))  // lower bound
            for vector in vectors {
                put(Int32(4 + 4 * vector.count))
                put(Int16(vector.count))
                put(Int16(0))
                for component in vector { put(component.bitPattern) }
            }
            initialized = offset
        }
        return .binary(bytes)
    }
}
