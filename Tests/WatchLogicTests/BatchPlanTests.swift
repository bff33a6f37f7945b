// ragsync — BatchPlan: a pass's files in batches bounded by count and bytes.

import RagsyncTestSupport
import SyncCore
import Testing

@Suite("Batches of a pass")
struct BatchPlanTests {
    @Test func smallFilesGoByCountAndALargeFileIsABatchOfItsOwn() {
        let plan = BatchPlan(sizes: [10, 10, 10, 5_000, 10, 10], maxDocuments: 2, maxBytes: 100)
        #expect(plan.batches == [0..<2, 2..<3, 3..<4, 4..<6])
        #expect(plan.isOversized == [false, false, true, false])
        #expect(BatchPlan(sizes: [], maxDocuments: 35, maxBytes: 100).batches.isEmpty)
        #expect(BatchPlan(sizes: [60, 60, 60], maxDocuments: 35, maxBytes: 100).batches == [0..<1, 1..<2, 2..<3])
    }

    /// Random sizes and bounds: the batches cover every file once and in order, none is empty, none holds more than
    /// its count, and only a batch of one file holds more than its bytes.
    @Test(arguments: SeededGenerator.seeds(default: [71, 72, 73]))
    func batchesCoverEveryFileInOrderWithinTheirBounds(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for round in 0..<200 {
            let sizes = (0..<Int.random(in: 0...60, using: &random)).map { _ in Int.random(in: 0...3_000, using: &random) }
            let maxDocuments = Int.random(in: 0...8, using: &random)
            let maxBytes = Int.random(in: 0...5_000, using: &random)
            let plan = BatchPlan(sizes: sizes, maxDocuments: maxDocuments, maxBytes: maxBytes)
            let context = "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)) round \(round): \(sizes) by \(maxDocuments), \(maxBytes)"
            #expect(plan.batches.flatMap { Array($0) } == Array(sizes.indices), "\(context)")
            for (batch, isOversized) in zip(plan.batches, plan.isOversized) {
                #expect(!batch.isEmpty && batch.count <= max(1, maxDocuments), "\(context): \(batch)")
                #expect(batch.count == 1 || batch.reduce(0) { $0 + sizes[$1] } <= maxBytes, "\(context): \(batch)")
                #expect(isOversized == (batch.reduce(0) { $0 + sizes[$1] } > maxBytes), "\(context): \(batch)")
            }
            #expect(plan.isOversized.count == plan.batches.count, "\(context)")
        }
    }
}
