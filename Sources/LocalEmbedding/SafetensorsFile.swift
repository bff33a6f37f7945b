// ragsync — SafetensorsFile: the tensors of a .safetensors file.

public import FoundationEssentials

/// A `.safetensors` file, mapped read-only (or given in memory): its tensor table and raw data.
///
/// The format: 8 bytes with the header's length (little-endian `UInt64`), a JSON object mapping each tensor name
/// to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the end of the header; an optional
/// `__metadata__` entry is ignored), then the tensors' bytes, little-endian, row-major. Every entry is checked when
/// the file is opened, so a truncated or inconsistent file fails at once, naming the file and the tensor.
public struct SafetensorsFile: Sendable {
    /// One entry of the header.
    public struct TensorInfo: Sendable, Equatable {
        /// The data type as written, e.g. `F32`, `F16`, `I64`.
        public var dtype: String
        /// The dimensions, outermost first; empty for a scalar.
        public var shape: [Int]
        /// Where the tensor's bytes are, relative to the start of the data section.
        public var byteRange: Range<Int>

        /// The number of elements (the product of `shape`).
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The file's path, for error messages.
    public let path: String
    /// Every tensor in the file, by name.
    public let tensors: [String: TensorInfo]
    private let data: Data
    private let dataStart: Int
    /// The mapping `data` reads, kept alive with this value; nil for a file given in memory.
    private let mapping: MappedFile?

    /// The largest header accepted, as in the reference implementation (100 MB).
    private static let maxHeaderLength = 100_000_000
    /// Bytes per element of the data types whose sizes are checked.
    private static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]

    /// Reads and checks a file.
    /// - Parameter path: the `.safetensors` file.
    /// - Throws: `LocalModelError` (`unreadableFile`, `malformedSafetensors`) naming the file and the tensor.
    public init(contentsOf path: String) throws(LocalModelError) {
        let mapping = try MappedFile(path: path)
        // The Data only reads the mapping; `mapping` owns and unmaps it.
        let data =
            mapping.bytes.baseAddress.map {
                Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0), count: mapping.bytes.count, deallocator: .none)
            } ?? Data()
        try self.init(data: data, path: path, mapping: mapping)
    }

    /// Checks a file already in memory.
    /// - Parameters:
    ///   - data: the whole file.
    ///   - path: where it came from, for error messages.
    /// - Throws: `LocalModelError.Code.malformedSafetensors` naming the file and the tensor.
    public init(data: Data, path: String) throws(LocalModelError) {
        try self.init(data: data, path: path, mapping: nil)
    }

    private init(data: Data, path: String, mapping: MappedFile?) throws(LocalModelError) {
        func malformed(_ detail: String, tensor: String? = nil) -> LocalModelError {
            LocalModelError(
                code: .malformedSafetensors, path: path, tensor: tensor, detail: detail,
                advice: "The file is damaged or incomplete; reinstall it. " + LocalModelError.installAdvice
            )
        }
        guard data.count >= 8 else { throw malformed("the file has \(data.count) bytes, fewer than the 8 of a header") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maxHeaderLength) else {
            throw malformed("the header length \(headerLength) is larger than \(Self.maxHeaderLength) bytes")
        }
        guard 8 + Int(headerLength) <= data.count else {
            throw malformed("the header needs \(headerLength) bytes but the file ends after \(data.count - 8)")
        }
        let header = data.subdata(in: data.startIndex + 8..<data.startIndex + 8 + Int(headerLength))
        guard let entries = try? JSONDecoder().decode([String: HeaderEntry].self, from: header)
        else { throw malformed("the header is not a JSON object") }

        let dataSize = data.count - 8 - Int(headerLength)
        var tensors: [String: TensorInfo] = [:]
        for (name, entry) in entries where name != "__metadata__" {
            guard let dtype = entry.dtype, let shape = entry.shape, let offsets = entry.dataOffsets,
                offsets.count == 2, shape.allSatisfy({ $0 >= 0 })
            else { throw malformed("the header entry lacks a valid dtype, shape or data_offsets", tensor: name) }
            let (begin, end) = (offsets[0], offsets[1])
            guard 0 <= begin, begin <= end else {
                throw malformed("data_offsets [\(begin), \(end)] are not an ascending range", tensor: name)
            }
            guard end <= dataSize else {
                throw malformed(
                    "its bytes end at \(end) but the data section has only \(dataSize) bytes (truncated file?)",
                    tensor: name
                )
            }
            let info = TensorInfo(dtype: dtype, shape: shape, byteRange: begin..<end)
            if let size = Self.elementSizes[dtype], info.elementCount * size != end - begin {
                throw malformed(
                    "shape \(shape) of \(dtype) needs \(info.elementCount * size) bytes, data_offsets give \(end - begin)",
                    tensor: name
                )
            }
            tensors[name] = info
        }
        self.path = path
        self.tensors = tensors
        self.data = data
        self.dataStart = 8 + Int(headerLength)
        self.mapping = mapping
    }

    /// Where a float tensor's values lie in the mapped file, to be used in place; nil when the file was given in
    /// memory, or the tensor is not 4-byte aligned there, or this machine is not little-endian (callers copy then).
    /// The pointer is valid while this value (or a copy of it) lives.
    /// - Throws: as ``floats(_:shape:)``.
    func mappedFloats(_ name: String, shape: [Int]) throws(LocalModelError) -> UnsafePointer<Float>? {
        let info = try checkedFloatTensor(name, shape: shape)
        guard let base = mapping?.bytes.baseAddress, 1.littleEndian == 1 else { return nil }
        let start = dataStart + info.byteRange.lowerBound
        guard start % MemoryLayout<Float>.alignment == 0 else { return nil }
        return (base + start).assumingMemoryBound(to: Float.self)
    }

    /// The values of a float tensor, row-major.
    /// - Parameters:
    ///   - name: the tensor's name, e.g. `embeddings.word_embeddings.weight`.
    ///   - shape: the shape the caller needs; a tensor of another shape is an error.
    /// - Returns: the elements as `Float`.
    /// - Throws: `LocalModelError` — `missingTensor`, or `unexpectedTensor` for another shape or a data type
    ///   other than `F32`.
    public func floats(_ name: String, shape: [Int]) throws(LocalModelError) -> [Float] {
        let info = try checkedFloatTensor(name, shape: shape)
        let count = info.elementCount
        let start = dataStart + info.byteRange.lowerBound
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: start + 4 * index, as: UInt32.self)
                    buffer[index] = Float(bitPattern: UInt32(littleEndian: bits))
                }
                initialized = count
            }
        }
    }

    /// The tensor's entry, checked to be F32 of `shape`.
    private func checkedFloatTensor(_ name: String, shape: [Int]) throws(LocalModelError) -> TensorInfo {
        guard let info = tensors[name] else {
            throw LocalModelError(
                code: .missingTensor, path: path, tensor: name, detail: "the file has no such tensor",
                advice: "Is this an all-MiniLM-L6-v2 model file? " + LocalModelError.installAdvice
            )
        }
        guard info.shape == shape else {
            throw LocalModelError(
                code: .unexpectedTensor, path: path, tensor: name,
                detail: "its shape is \(info.shape), the model needs \(shape)"
            )
        }
        guard info.dtype == "F32" else {
            throw LocalModelError(
                code: .unexpectedTensor, path: path, tensor: name,
                detail: "its data type is \(info.dtype); only F32 is supported"
            )
        }
        return info
    }
}

/// One entry of a safetensors header, read leniently: a field that is missing or of another JSON type is nil, so the
/// entry can be refused with the tensor's name (and `__metadata__`, a map of strings, reads as an entry of nils).
private struct HeaderEntry: Decodable {
    var dtype: String?
    var shape: [Int]?
    var dataOffsets: [Int]?

    private enum Key: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }

    init(from decoder: any Decoder) throws {
        guard let fields = try? decoder.container(keyedBy: Key.self) else { return }
        dtype = try? fields.decode(String.self, forKey: .dtype)
        shape = try? fields.decode([Int].self, forKey: .shape)
        dataOffsets = try? fields.decode([Int].self, forKey: .dataOffsets)
    }
}
