// ragsync — StampDigestTests: the digest of a walk's paths and stamps depends on them alone, not on their order.

import RagsyncTestSupport
@testable import SyncCore
import Testing

@Suite("A walk's stamp digest")
struct StampDigestTests {
    private static let passStart: Int64 = 1_800_000_000_000_000_000

    @Test func theDigestIgnoresTheOrderAndChangesWithAnyPathOrStamp() {
        for seed in SeededGenerator.seeds(default: [1, 2, 3]) {
            var random = SeededGenerator(seed: seed)
            let replay = "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed))"
            let pieces = ["a", "b/", ":", "\n", "1", "\u{E9}", "e\u{301}", "\u{1F600}"]
            var paths = Set<String>()
            while paths.count < 50 {
                paths.insert((0..<Int.random(in: 1...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() + ".md")
            }
            let entries = paths.map { path in
                ContentScanner.Entry(
                    relativePath: path, absolutePath: "/content/" + path,
                    stamp: FileStamp(
                        size: Int64.random(in: 0...9_999, using: &random),
                        modified: Int64.random(in: 0..<(Self.passStart - FileStamp.margin), using: &random),
                        changed: Int64.random(in: 0..<(Self.passStart - FileStamp.margin), using: &random),
                        inode: UInt64.random(in: 0 ... .max, using: &random), device: 64))
            }
            let digest = StampDigest(of: entries, settledAt: Self.passStart)
            #expect(digest != nil, "\(replay)")
            #expect(StampDigest(of: entries.shuffled(using: &random), settledAt: Self.passStart) == digest, "\(replay)")

            let changed = Int.random(in: 0..<entries.count, using: &random)
            var otherSize = entries
            otherSize[changed].stamp?.size += 1
            #expect(StampDigest(of: otherSize, settledAt: Self.passStart) != digest, "\(replay)")
            var otherPath = entries
            otherPath[changed].relativePath += "x"
            #expect(StampDigest(of: otherPath, settledAt: Self.passStart) != digest, "\(replay)")
            #expect(StampDigest(of: Array(entries.dropLast()), settledAt: Self.passStart) != digest, "\(replay)")
        }
    }

    @Test func aMissingOrUnsettledStampOrAnEmptyWalkGivesNoDigest() {
        let settled = FileStamp(size: 1, modified: 10, changed: 10, inode: 1, device: 1)
        var recent = settled
        recent.changed = Self.passStart - 1
        let entry = ContentScanner.Entry(relativePath: "a.md", absolutePath: "/content/a.md", stamp: settled)
        var unstamped = entry
        unstamped.stamp = nil
        var unsettled = entry
        unsettled.stamp = recent
        #expect(StampDigest(of: [entry], settledAt: Self.passStart) != nil)
        #expect(StampDigest(of: [entry, unstamped], settledAt: Self.passStart) == nil)
        #expect(StampDigest(of: [unsettled], settledAt: Self.passStart) == nil)
        #expect(StampDigest(of: [], settledAt: Self.passStart) == nil)
    }
}
