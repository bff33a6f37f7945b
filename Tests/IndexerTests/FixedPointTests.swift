// ragsync — FixedPointTests: figures printed with a fixed count of decimals, as String(format:) prints them.

import Foundation
import RagsyncTestSupport
import Testing

@testable import Indexer

@Suite struct FixedPointTests {
    @Test func figuresArePrintedWithTheirDecimals() {
        #expect(1.5.fixedPoint(2) == "1.50")
        #expect(0.95.fixedPoint(3) == "0.950")
        #expect(0.125.fixedPoint(2) == "0.12")
        #expect((-0.004).fixedPoint(2) == "0.00")
        #expect((-2.5).fixedPoint(0) == "-2")
        #expect(12_345.678.fixedPoint(1) == "12345.7")
        #expect(Double.infinity.fixedPoint(2) == "inf")
    }

    /// Values of every magnitude ragsync prints (durations, similarities, scores), against `%.Nf`.
    @Test(arguments: SeededGenerator.seeds(default: [31, 32, 33]))
    func randomValuesArePrintedAsPrintfPrintsThem(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<5_000 {
            let magnitude = Double.random(in: -6...6, using: &random)
            let value = (Bool.random(using: &random) ? 1 : -1) * Foundation.pow(10, magnitude)
                * Double.random(in: 1..<10, using: &random)
            let decimals = Int.random(in: 0...5, using: &random)
            let expected = String(format: "%.\(decimals)f", value)
            // printf keeps the sign of a negative value that rounds to zero ("-0.00"); ragsync prints "0.00".
            let unsigned = expected.hasPrefix("-") && expected.dropFirst().allSatisfy { $0 == "0" || $0 == "." }
            #expect(value.fixedPoint(decimals) == (unsigned ? String(expected.dropFirst()) : expected),
                "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)): \(value) with \(decimals) decimals")
        }
    }
}
