// ragsync — SeededGenerator: the random source of the randomized tests, replayable from one seed.

import Foundation

/// A small deterministic generator (SplitMix64): one seed replays a whole run.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The seeds a randomized test runs: `RAGSYNC_SIM_SEED` alone when set (to replay a failure), else `defaults`.
    public static func seeds(default defaults: [UInt64]) -> [UInt64] {
        if let text = ProcessInfo.processInfo.environment["RAGSYNC_SIM_SEED"], let seed = UInt64(text) { return [seed] }
        return defaults
    }
}
