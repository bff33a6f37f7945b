// ragsync — the core under a seeded simulation: any order of operations, events, faults and reloads ends in a
// store equal to a fresh index of the disk, with nothing embedded twice.

import RagsyncTestSupport
import Testing

@Suite("Core simulation")
struct CoreSimulationTests {
    @Test(arguments: SeededGenerator.seeds(default: [1, 2, 3, 4, 0x5eed]))
    func theStoreEqualsAFreshIndexOfTheDiskAfterEveryQuietPeriod(seed: UInt64) throws {
        var simulation = try CoreSimulation(seed: seed)
        simulation.run(steps: 25_000, checkEvery: 500)
        let counters = simulation.counters
        if !simulation.violations.isEmpty { print(simulation.trace.joined(separator: "\n")) }
        #expect(
            simulation.violations.isEmpty,
            "seed \(seed) (replay with RAGSYNC_SIM_SEED=\(seed)): \(simulation.violations.joined(separator: "; "))")
        // The run exercised the core, not an empty loop.
        #expect(counters.operations > 5_000 && counters.passes > 1_000 && counters.quiescentChecks >= 50, "\(counters)")
        print("simulation seed \(seed): \(counters)")
    }
}
