// ragsync — PassPlanTests: how a batch is cut into forward passes, on random batches.

@testable import LocalEmbedding
import RagsyncTestSupport
import Testing

@Suite("forward passes of a batch")
struct PassPlanTests {
    @Test("every sequence is in exactly one pass, passes hold at most maxRows rows, and run shortest first")
    func passesCoverEverySequenceOnceShortestFirstWithinTheRowLimit() {
        for seed in SeededGenerator.seeds(default: Array(1...200)) {
            var random = SeededGenerator(seed: seed)
            let maxRows = Int.random(in: 1...600, using: &random)
            let lengths = (0..<Int.random(in: 0...80, using: &random)).map { _ in
                Int.random(in: 0...(Bool.random(using: &random) ? 40 : 700), using: &random)
            }
            let passes = MiniLMModel.passes(lengths: lengths, maxRows: maxRows)
            let context = "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed))"

            let order = passes.flatMap { $0 }
            #expect(order.sorted() == Array(lengths.indices), "\(context): not each sequence once")
            let ordered = order.map { lengths[$0] }
            #expect(ordered == ordered.sorted(), "\(context): passes not shortest first")
            for pass in passes {
                #expect(!pass.isEmpty, "\(context): an empty pass")
                let rows = pass.reduce(0) { $0 + lengths[$1] }
                #expect(rows <= maxRows || pass.count == 1, "\(context): \(rows) rows in a pass of \(pass.count)")
            }
            // No pass could have taken the next one's first sequence.
            for (pass, next) in zip(passes, passes.dropFirst()) {
                let rows = pass.reduce(0) { $0 + lengths[$1] }
                #expect(rows + lengths[next[0]] > maxRows, "\(context): a pass was cut early")
            }
        }
    }
}
