// ragsync — VectorMath: branch-free exp and erf that loops vectorise, for softmax and GELU.

/// Float32 `exp` and `erf` as straight-line arithmetic (no calls, tables or branches), so loops over them
/// auto-vectorise. Glibc's scalar `expf`/`erff` took about a third of a forward pass; these take a tenth of that.
///
/// Accuracy: `exp` within 2 ulp (Cephes' polynomial after reduction by ln 2); `erf` within 4.5e-7 absolute (the
/// rational minimax approximation Eigen uses for float), well inside what float32 activations carry.
enum VectorMath {
    /// `eˣ`; inputs are clamped to [-87.3, 88.7] (so very negative inputs give about 1e-38, not 0).
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        let x = min(max(input, -87.3), 88.7)
        // n = round(x / ln 2) via the 1.5 · 2²³ trick; r = x − n · ln 2 with ln 2 in two parts for accuracy.
        let magic: Float = 12_582_912
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r -= n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * (r * r) + r + 1
        // 2ⁿ from the integer in the low bits of `shifted`: (n + 127) << 23.
        let integer = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        return p * Float(bitPattern: UInt32(bitPattern: (integer &+ 127) &<< 23))
    }

    /// `erf(x)`: x · P(x²) / Q(x²) on [-4, 4], ±1 beyond.
    @inline(__always)
    static func erf(_ input: Float) -> Float {
        let x = min(max(input, -4), 4)
        let x2 = x * x
        var p: Float = -2.726_142_258_013_06e-10
        p = p * x2 + 2.770_681_424_959_02e-08
        p = p * x2 + -2.101_024_020_825_08e-06
        p = p * x2 + -5.692_506_394_623_46e-05
        p = p * x2 + -7.349_906_303_268_55e-04
        p = p * x2 + -2.954_599_808_540_25e-03
        p = p * x2 + -1.609_603_332_624_15e-02
        var q: Float = -1.456_607_184_649_96e-05
        q = q * x2 + -2.133_740_552_789_05e-04
        q = q * x2 + -1.682_826_974_382_03e-03
        q = q * x2 + -7.373_329_167_204_68e-03
        q = q * x2 + -1.426_473_905_141_89e-02
        return x * p / q
    }

    /// The sum of `count` floats with four running sums (independent adds pipeline; plain summation is
    /// latency-bound).
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
        var index = 0
        while index + 4 <= count {
            s0 += values[index]
            s1 += values[index + 1]
            s2 += values[index + 2]
            s3 += values[index + 3]
            index += 4
        }
        while index < count {
            s0 += values[index]
            index += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// The largest of `count` floats (at least one), with four running maxima for the same reason as `sum`.
    @inline(__always)
    static func maximum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var (m0, m1, m2, m3) = (values[0], values[0], values[0], values[0])
        var index = 0
        while index + 4 <= count {
            m0 = max(m0, values[index])
            m1 = max(m1, values[index + 1])
            m2 = max(m2, values[index + 2])
            m3 = max(m3, values[index + 3])
            index += 4
        }
        while index < count {
            m0 = max(m0, values[index])
            index += 1
        }
        return max(max(m0, m1), max(m2, m3))
    }
}
