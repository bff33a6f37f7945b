// ragsync — EmbeddingsJSONTests: requests written and answers read by hand, against Foundation's JSON coders.

import Foundation
import RagsyncTestSupport
import Testing

@testable import Embedding

@Suite struct EmbeddingsJSONTests {
    @Test(arguments: SeededGenerator.seeds(default: [61, 62]))
    func requestBodiesAreTheJSONFoundationReadsBack(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let alphabet = Array("aé \"\\/\n\r\t\u{0}\u{1}\u{1F}\u{7F}\u{2028}😀{}[],:")
        for _ in 0..<500 {
            let inputs = (0..<Int.random(in: 0...5, using: &random)).map { _ in
                String((0..<Int.random(in: 0...12, using: &random)).map { _ in
                    alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                })
            }
            let dimensions = Bool.random(using: &random) ? Int.random(in: 1...3072, using: &random) : nil
            let body = EmbeddingsWireFormat.requestBody(
                inputs: inputs, model: "m\"odel", dimensions: dimensions, encoding: .base64)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            #expect(object["input"] as? [String] == inputs, "seed \(seed) (RAGSYNC_SIM_SEED=\(seed))")
            #expect(object["model"] as? String == "m\"odel")
            #expect(object["dimensions"] as? Int == dimensions)
            #expect(object["encoding_format"] as? String == "base64")
        }
    }

    /// Answers in every shape servers send (extra members, white space, escapes, number forms, float arrays, `usage`
    /// or not) and broken ones (cut short, a byte dropped or changed): read here and by `JSONDecoder` with the types
    /// the client used before, both refuse the body or both give the same vectors and token count.
    @Test(arguments: SeededGenerator.seeds(default: [63, 64, 65]))
    func answersAreReadAsFoundationsDecoderReadThem(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for round in 0..<1_500 {
            let count = Int.random(in: 1...4, using: &random)
            var body = Array(Self.answer(count: count, dimensions: 3, random: &random).utf8)
            if Int.random(in: 0..<4, using: &random) == 0, !body.isEmpty {
                let at = Int.random(in: 0..<body.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: body.removeSubrange(at...)
                case 1: body.remove(at: at)
                default: body[at] = Array("{}[]\",:x0-. ".utf8)[Int.random(in: 0..<12, using: &random)]
                }
            }
            let context = "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)) round \(round): \(String(decoding: body, as: UTF8.self))"
            let ours = try? EmbeddingsWireFormat.decode(body, inputCount: count, dimensions: 3)
            let reference = Self.referenceDecode(body, inputCount: count, dimensions: 3)
            #expect(ours?.vectors == reference?.vectors, "\(context)")
            #expect(ours?.promptTokens == reference?.promptTokens, "\(context)")
        }
    }

    /// Base64 of random bytes, and the same with a character changed, dropped or added, against
    /// `Data(base64Encoded:)`, which the client used before. That one also reads some broken texts (a character
    /// added before the padding, `=` inside); here they are refused. So: the same values for what both read, and
    /// everything Foundation's encoder writes read.
    @Test(arguments: SeededGenerator.seeds(default: [66, 67]))
    func base64IsReadAsFoundationReadsIt(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \n-_.".utf8)
        for _ in 0..<5_000 {
            let bytes = (0..<(Int.random(in: 0...6, using: &random) * 4 + Int.random(in: 0...3, using: &random)))
                .map { _ in UInt8.random(in: 0...255, using: &random) }
            var text = Array(Data(bytes).base64EncodedString().utf8)
            let isBroken = Bool.random(using: &random) && !text.isEmpty
            if isBroken {
                let at = Int.random(in: 0..<text.count, using: &random)
                let character = alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                switch Int.random(in: 0..<3, using: &random) {
                case 0: text[at] = character
                case 1: text.remove(at: at)
                default: text.insert(character, at: at)
                }
            }
            let string = String(decoding: text, as: UTF8.self)
            let expected = Data(base64Encoded: string).flatMap { data -> [Float]? in
                guard data.count % 4 == 0 else { return nil }
                return stride(from: 0, to: data.count, by: 4).map { offset in
                    Float(bitPattern: data[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) })
                }
            }
            let actual = EmbeddingsWireFormat.floats(base64: string)
            let context = "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)): \(string)"
            if actual != nil || !isBroken {
                #expect(actual?.map(\.bitPattern) == expected?.map(\.bitPattern), "\(context)")
            }
        }
    }

    @Test func nestingPastTheLimitIsRefusedWithoutRecursion() {
        let deep = #"{"data":[],"extra":"# + String(repeating: "[", count: 100_000) + "}"
        #expect(throws: EmbeddingsWireFormat.Invalid.self) {
            try EmbeddingsWireFormat.decode(Array(deep.utf8), inputCount: 0, dimensions: 3)
        }
    }

    static func answer(count: Int, dimensions: Int, random: inout SeededGenerator) -> String {
        func pick(_ choices: [String]) -> String { choices[Int.random(in: 0..<choices.count, using: &random)] }
        func space() -> String { pick(["", "", " ", "\n  ", "\t"]) }
        var items: [String] = []
        for index in (0..<count).shuffled(using: &random) {
            let values = (0..<dimensions).map { _ in Float.random(in: -1...1, using: &random) }
            let embedding: String
            if Bool.random(using: &random) {
                var bytes: [UInt8] = []
                for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
                let base64 = Data(bytes).base64EncodedString()
                embedding = "\"" + (Bool.random(using: &random) ? base64 : base64.replacingOccurrences(of: "/", with: "\\/")) + "\""
            } else {
                embedding = "[" + values.map { space() + pick(["\($0)", "\(Double($0))", "\($0)e0", "\($0)E+00"]) }
                    .joined(separator: ",") + space() + "]"
            }
            var members = ["\"index\":" + space() + pick(["\(index)", "\(index)", "\(index).0", "\(index)e0"]),
                           "\"embedding\":" + space() + embedding]
            if Bool.random(using: &random) { members.append(#""object":"embedding""#) }
            if Int.random(in: 0..<4, using: &random) == 0 { members.append(#""extra":{"a":[1,{"b":null}],"c":"\u00e9\n"}"#) }
            items.append("{" + members.shuffled(using: &random).joined(separator: "," + space()) + "}")
        }
        var members = [#""data":"# + space() + "[" + items.joined(separator: "," + space()) + "]",
                       #""object":"list""#, #""model":"text-embedding-3-small""#]
        switch Int.random(in: 0..<4, using: &random) {
        case 0: members.append(#""usage":{"prompt_tokens":"# + "\(Int.random(in: 0...9_999, using: &random))" + #","total_tokens":1}"#)
        case 1: members.append(#""usage":null"#)
        case 2: members.append(#""usage":{"total_tokens":5}"#)
        default: break
        }
        return space() + "{" + space() + members.shuffled(using: &random).joined(separator: "," + space()) + space() + "}" + space()
    }

    /// The client's decoding before: `JSONDecoder` with these types, then the same checks.
    static func referenceDecode(_ body: [UInt8], inputCount: Int, dimensions: Int) -> EmbeddingsWireFormat.Decoded? {
        struct Response: Decodable {
            struct Item: Decodable {
                var index: Int
                var embedding: Payload
            }
            struct Usage: Decodable {
                var prompt_tokens: Int?
            }
            var data: [Item]
            var usage: Usage?
        }
        enum Payload: Decodable {
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
        guard let response = try? JSONDecoder().decode(Response.self, from: Data(body)),
            response.data.count == inputCount
        else { return nil }
        var vectors = [[Float]?](repeating: nil, count: inputCount)
        for item in response.data {
            guard vectors.indices.contains(item.index), vectors[item.index] == nil else { return nil }
            let vector: [Float]?
            switch item.embedding {
            case .numbers(let numbers): vector = numbers
            case .base64(let text): vector = EmbeddingsWireFormat.floats(base64: text)
            }
            guard let vector, vector.count == dimensions, vector.allSatisfy(\.isFinite) else { return nil }
            vectors[item.index] = vector
        }
        return EmbeddingsWireFormat.Decoded(vectors: vectors.compactMap { $0 }, promptTokens: response.usage?.prompt_tokens ?? 0)
    }
}
