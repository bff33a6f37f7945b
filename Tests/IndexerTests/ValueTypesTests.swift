// ragsync — ValueTypesTests: ContentHash, JSONValue and the token estimate.

import Foundation
import Testing
@testable import Indexer

@Suite struct ValueTypesTests {
    @Test func contentHashOfAbcIsTheKnownSHA256() {
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(ContentHash(of: "abc").hex == expected)
        #expect(ContentHash(of: Array("abc".utf8)).hex == expected)
        #expect(ContentHash(of: "abc".utf8).hex == expected)
        #expect(ContentHash(hex: expected.uppercased()) == ContentHash(of: "abc"))
        #expect(ContentHash(hex: "xyz") == nil)
    }

    @Test func contentHashRoundTripsThroughCodable() throws {
        let hash = ContentHash(of: "abc")
        let data = try JSONEncoder().encode([hash])
        #expect(String(decoding: data, as: UTF8.self) == "[\"\(hash.hex)\"]")
        #expect(try JSONDecoder().decode([ContentHash].self, from: data) == [hash])
    }

    @Test func jsonTextEscapesQuotesBackslashesControlsAndKeepsUnicode() {
        let value = JSONValue.string("say \"hi\" \\ path\n\ttab \u{01} \u{1F} é 世界 🙂")
        #expect(value.jsonText == #""say \"hi\" \\ path\n\ttab \u0001 \u001f é 世界 🙂""#)
    }

    @Test func jsonTextIsCompactWithSortedKeys() throws {
        let value = JSONValue.object([
            "b": .array([.int(1), .double(2.5), .double(3), .bool(false), .null]),
            "a": .object(["z": .string("x"), "Z": .double(.infinity)]),
        ])
        #expect(value.jsonText == #"{"a":{"Z":null,"z":"x"},"b":[1,2.5,3,false,null]}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(value.jsonText.utf8)) is [String: Any])
    }

    @Test func tokenEstimateIsPlausible() {
        let counter = ApproximateTokenCounter()
        #expect(counter.tokenCount("") == 0)
        #expect(counter.tokenCount(" ") == 0)
        #expect(counter.tokenCount("   \n") == 1)
        #expect(counter.tokenCount("hello") == 1)
        #expect(counter.tokenCount("hello world") == 2)
        #expect(counter.tokenCount("The quick brown fox jumps over the lazy dog.") == 10)
        #expect(counter.tokenCount("1234567") == 3)
        #expect(counter.tokenCount("camelCaseName") == 3)
        #expect(counter.tokenCount("世界") == 3)
    }
}
