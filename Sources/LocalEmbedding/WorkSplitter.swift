// ragsync — WorkSplitter: runs the parts of one forward-pass step on several threads at once.

import Dispatch

/// Splits a step of the forward pass into contiguous parts of about equal cost and runs them in parallel.
///
/// The calling thread runs one part and libdispatch's worker threads the others (not Swift's cooperative pool);
/// `run` returns when all are done. With one worker everything runs on the calling thread.
struct WorkSplitter: Sendable {
    /// The number of parts a step is split into at most.
    let workerCount: Int

    /// Runs `body` over `0..<costs.count` split into at most `workerCount` contiguous ranges of similar total cost.
    /// - Parameters:
    ///   - costs: the cost of each item (e.g. rows, or `length²` for an attention head).
    ///   - minimumCost: a part costs at least this much; small steps use fewer threads.
    ///   - body: called once per part with its items and the part's index (`0..<workerCount`, for scratch memory).
    func run(costs: [Int], minimumCost: Int, _ body: @Sendable (Range<Int>, Int) -> Void) {
        let ranges = Self.balancedRanges(costs: costs, parts: workerCount, minimumCost: minimumCost)
        if ranges.count <= 1 {
            body(0..<costs.count, 0)
            return
        }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { part in
            body(ranges[part], part)
        }
    }

    /// Runs `body` over `count` items of equal cost (e.g. rows).
    func run(count: Int, minimumCount: Int, _ body: @Sendable (Range<Int>, Int) -> Void) {
        run(costs: Array(repeating: 1, count: count), minimumCost: minimumCount, body)
    }

    /// Cuts `0..<costs.count` into at most `parts` non-empty contiguous ranges whose costs are close to equal.
    static func balancedRanges(costs: [Int], parts: Int, minimumCost: Int) -> [Range<Int>] {
        let total = costs.reduce(0, +)
        let partCount = max(1, min(parts, costs.count, total / max(1, minimumCost)))
        guard partCount > 1 else { return costs.isEmpty ? [] : [0..<costs.count] }
        var ranges: [Range<Int>] = []
        var start = 0
        var accumulated = 0
        for index in costs.indices {
            accumulated += costs[index]
            let target = total * (ranges.count + 1) / partCount
            let remainingParts = partCount - ranges.count - 1
            if accumulated >= target, ranges.count < partCount - 1, costs.count - index - 1 >= remainingParts {
                ranges.append(start..<index + 1)
                start = index + 1
            }
        }
        if start < costs.count { ranges.append(start..<costs.count) }
        return ranges
    }
}
