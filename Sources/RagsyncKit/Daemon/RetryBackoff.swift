// ragsync — RetryBackoff: capped exponential delays with jitter for outages.

/// Delays between attempts while the database or the embedding service is down: 1 s, 2 s, 4 s … up to the cap,
/// each shortened by up to a fifth at random so many daemons do not retry in step.
struct RetryBackoff: Sendable {
    var initial: Duration = .seconds(1)
    var maximum: Duration = .seconds(60)
    private(set) var failures = 0

    /// The delay before the next attempt; counts a failure.
    mutating func nextDelay() -> Duration {
        let exponent = min(failures, 16)
        failures += 1
        let base = min(initial * (1 << exponent), maximum)
        return base * Double.random(in: 0.8...1.0)
    }

    /// After a success.
    mutating func reset() {
        failures = 0
    }
}
