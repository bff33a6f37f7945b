// ragsync — SafetensorsFileTests: the reader accepts well-formed files and names the problem in broken ones.

import Foundation
@testable import LocalEmbedding
import Testing

@Suite("Safetensors reader")
struct SafetensorsFileTests {
    /// A file with one F32 tensor `weight` of shape [2, 3] holding 1…6, and metadata.
    static func sample(header: String? = nil) -> Data {
        let standard = #"{"__metadata__":{"format":"pt"},"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#
        let json = header ?? standard
        var data = Data()
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(json.utf8))
        for value: Float in [1, 2, 3, 4, 5, 6] {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    @Test("a well-formed file gives its tensors' shapes and values")
    func readsFloatTensor() throws {
        let file = try SafetensorsFile(data: Self.sample(), path: "sample.safetensors")
        #expect(file.tensors.keys.sorted() == ["weight"])
        #expect(file.tensors["weight"]?.shape == [2, 3])
        #expect(try file.floats("weight", shape: [2, 3]) == [1, 2, 3, 4, 5, 6])
    }

    @Test("a truncated file is an error naming the file and the tensor")
    func truncatedFileIsAnError() {
        let truncated = Self.sample().dropLast(4)
        let error = #expect(throws: LocalModelError.self) {
            try SafetensorsFile(data: Data(truncated), path: "cut.safetensors")
        }
        #expect(error?.code == .malformedSafetensors)
        #expect(error?.tensor == "weight")
        #expect(error?.description.contains("cut.safetensors") == true)
        #expect(error?.description.contains("weight") == true)
    }

    @Test("a file cut inside its header is an error")
    func fileCutInHeaderIsAnError() {
        let error = #expect(throws: LocalModelError.self) {
            try SafetensorsFile(data: Data(Self.sample().prefix(20)), path: "cut.safetensors")
        }
        #expect(error?.code == .malformedSafetensors)
        let tiny = #expect(throws: LocalModelError.self) {
            try SafetensorsFile(data: Data([1, 2, 3]), path: "tiny.safetensors")
        }
        #expect(tiny?.code == .malformedSafetensors)
    }

    @Test("a truncated copy of the real model file is refused")
    func truncatedModelFileIsAnError() throws {
        let directory = try ModelUnderTest.directory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: directory + "/model.safetensors"), options: .alwaysMapped)
        let error = #expect(throws: LocalModelError.self) {
            try SafetensorsFile(data: Data(whole.prefix(whole.count / 2)), path: "half.safetensors")
        }
        #expect(error?.code == .malformedSafetensors)
        #expect(error?.tensor != nil)
    }

    @Test("offsets that disagree with the shape are an error naming the tensor")
    func sizeMismatchIsAnError() {
        let header = #"{"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,24]}}"#
        let error = #expect(throws: LocalModelError.self) {
            try SafetensorsFile(data: Self.sample(header: header), path: "odd.safetensors")
        }
        #expect(error?.tensor == "weight")
    }

    @Test("asking for a missing tensor, another shape or another dtype is an error naming the tensor")
    func wrongRequestsAreErrors() throws {
        let file = try SafetensorsFile(data: Self.sample(), path: "sample.safetensors")
        let missing = #expect(throws: LocalModelError.self) { try file.floats("bias", shape: [3]) }
        #expect(missing?.code == .missingTensor)
        #expect(missing?.tensor == "bias")
        let shape = #expect(throws: LocalModelError.self) { try file.floats("weight", shape: [3, 2]) }
        #expect(shape?.code == .unexpectedTensor)
        let header = #"{"weight":{"dtype":"I32","shape":[2,3],"data_offsets":[0,24]}}"#
        let integers = try SafetensorsFile(data: Self.sample(header: header), path: "int.safetensors")
        let dtype = #expect(throws: LocalModelError.self) { try integers.floats("weight", shape: [2, 3]) }
        #expect(dtype?.code == .unexpectedTensor)
    }

    @Test("a mapped file's aligned tensor is used in place; one in memory, or not aligned, is copied instead")
    func alignedTensorsOfAMappedFileAreUsedInPlace() throws {
        let json = #"{"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#
        // Safetensors writers pad the header with spaces so that the data starts 8-byte aligned.
        func padded(toRemainder remainder: Int) -> String {
            var header = json
            while (8 + header.utf8.count) % 8 != remainder { header += " " }
            return header
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let aligned = folder.appendingPathComponent("aligned.safetensors")
        try Self.sample(header: padded(toRemainder: 0)).write(to: aligned)
        let mapped = try SafetensorsFile(contentsOf: aligned.path)
        let pointer = try #require(try mapped.mappedFloats("weight", shape: [2, 3]))
        #expect(Array(UnsafeBufferPointer(start: pointer, count: 6)) == [1, 2, 3, 4, 5, 6])

        let unaligned = folder.appendingPathComponent("unaligned.safetensors")
        try Self.sample(header: padded(toRemainder: 1)).write(to: unaligned)
        let shifted = try SafetensorsFile(contentsOf: unaligned.path)
        #expect(try shifted.mappedFloats("weight", shape: [2, 3]) == nil)
        #expect(try shifted.floats("weight", shape: [2, 3]) == [1, 2, 3, 4, 5, 6])

        let inMemory = try SafetensorsFile(data: Self.sample(header: padded(toRemainder: 0)), path: "memory.safetensors")
        #expect(try inMemory.mappedFloats("weight", shape: [2, 3]) == nil)
        #expect(throws: LocalModelError.self) { try mapped.mappedFloats("weight", shape: [3, 2]) }
    }

    @Test("a missing model file is an error naming it")
    func missingFileIsAnError() {
        let error = #expect(throws: LocalModelError.self) {
            try SafetensorsFile(contentsOf: "/nonexistent/model.safetensors")
        }
        #expect(error?.code == .unreadableFile)
        #expect(error?.path == "/nonexistent/model.safetensors")
    }

    @Test("a header that is not JSON is an error")
    func invalidHeaderIsAnError() {
        let error = #expect(throws: LocalModelError.self) {
            try SafetensorsFile(data: Self.sample(header: "not json at all, really"), path: "bad.safetensors")
        }
        #expect(error?.code == .malformedSafetensors)
    }
}
