// ragsync — Double.fixedPoint: numbers with a fixed count of decimals, without Foundation.

extension Double {
    /// The value with `decimals` digits after the point, as `%.Nf` prints it for the figures ragsync shows (times,
    /// scores, recall): `1.5.fixedPoint(2)` is `1.50`, and a tie goes to the even digit (`0.125` gives `0.12`).
    ///
    /// Foundation's `String(format:)` would link all of Foundation, CoreFoundation and ICU into the daemon, whose
    /// start-up code runs in every process (about 1 MB resident). A value too large for the scaled integer, or not
    /// finite, is printed as Swift prints it.
    public func fixedPoint(_ decimals: Int) -> String {
        let decimals = Swift.min(Swift.max(decimals, 0), 9)
        let scale = (0..<decimals).reduce(1) { value, _ in value * 10 }
        let scaled = (Swift.abs(self) * Double(scale)).rounded(.toNearestOrEven)
        guard isFinite, scaled < 9.0e15 else { return "\(self)" }
        let units = Int(scaled)
        let sign = self < 0 && units != 0 ? "-" : ""
        let whole = sign + String(units / scale)
        guard decimals > 0 else { return whole }
        let fraction = String(units % scale)
        return whole + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
