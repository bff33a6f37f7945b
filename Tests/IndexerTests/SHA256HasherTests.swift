// ragsync — SHA256Hasher: the standard's test vectors, and swift-crypto's answers on random inputs.

import Crypto
@testable import Indexer
import RagsyncTestSupport
import Testing

@Suite("SHA-256 of content")
struct SHA256HasherTests {
    private func hex(_ bytes: [UInt8]) -> String {
        ContentHash(of: bytes).hex
    }

    /// FIPS 180-4's examples, and messages around the padding's boundaries (55, 56, 57 and 64 bytes).
    @Test func theStandardsExamplesHashToTheirPublishedDigests() {
        #expect(hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            hex(Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                + "mnopqrstnopqrstu").utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(
            hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(hex([0xbd]) == "68325720aabd7c82f30f554b313d0570c95accbb7dc4b5aae11204c08ffe732b")
        #expect(hex([UInt8](repeating: 0, count: 55)) == "02779466cdec163811d078815c633f21901413081449002f24aa3e80f0b88ef7")
        #expect(hex([UInt8](repeating: 0, count: 56)) == "d4817aa5497628e7c77e6b606107042bbba3130888c5f47a375e6179be789fbb")
        #expect(hex([UInt8](repeating: 0, count: 57)) == "65a16cb7861335d5ace3c60718b5052e44660726da4cd13bb745381b235a1785")
        #expect(hex([UInt8](repeating: 0, count: 64)) == "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b")
        #expect(hex([UInt8](repeating: 0, count: 1000)) == "541b3e9daa09b20bf85fa273e5cbd3e80185aa4ec298e765db87742b70138a53")
    }

    /// Random messages of every length around the block and padding boundaries, fed in random pieces: the digest is
    /// always swift-crypto's, whichever way the message was cut.
    @Test(arguments: SeededGenerator.seeds(default: [181, 182, 183]))
    func randomMessagesInRandomPiecesHashAsSwiftCryptoDoes(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for round in 0..<2_000 {
            let length = round < 300 ? round : Int.random(in: 0...5_000, using: &random)
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            var hasher = SHA256Hasher()
            var offset = 0
            while offset < message.count {
                let piece = min(message.count - offset, Int.random(in: 0...130, using: &random))
                message[offset..<offset + piece].withUnsafeBytes { hasher.update($0) }
                offset += piece
            }
            #expect(
                hasher.finalize() == Array(SHA256.hash(data: message)),
                "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed)), round \(round): \(length) bytes")
        }
    }
}
