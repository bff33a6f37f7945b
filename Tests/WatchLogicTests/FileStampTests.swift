// ragsync — FileStampTests: the stamp's text, as recorded in ragsync_documents, on random and extreme values.

import RagsyncTestSupport
@testable import SyncCore
import Testing

@Suite("A file stamp's recorded text")
struct FileStampTests {
    @Test("the text is size:modified:changed:inode:device in decimal, for any values")
    func textIsTheFiveNumbersInDecimalSeparatedByColons() {
        let extremes: [FileStamp] = [
            FileStamp(size: 0, modified: 0, changed: 0, inode: 0, device: 0),
            FileStamp(size: .max, modified: .min, changed: .max, inode: .max, device: .max),
            FileStamp(size: .min, modified: -1, changed: -1_000_000_000, inode: 1, device: 10),
        ]
        for seed in SeededGenerator.seeds(default: [1, 2, 3]) {
            var random = SeededGenerator(seed: seed)
            let stamps = extremes + (0..<2_000).map { _ in
                FileStamp(
                    size: Int64.random(in: 0...(Bool.random(using: &random) ? 9_999 : .max), using: &random),
                    modified: Int64.random(in: .min ... .max, using: &random),
                    changed: Int64.random(in: -10...1_800_000_000_000_000_000, using: &random),
                    inode: UInt64.random(in: 0 ... .max, using: &random), device: UInt64.random(in: 0...66_000, using: &random))
            }
            for stamp in stamps {
                let expected = "\(stamp.size):\(stamp.modified):\(stamp.changed):\(stamp.inode):\(stamp.device)"
                #expect(stamp.text == expected, "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed))")
                var appended: [UInt8] = [0x41]
                stamp.appendText(to: &appended)
                #expect(appended == [0x41] + Array(expected.utf8), "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed))")
            }
        }
    }
}
