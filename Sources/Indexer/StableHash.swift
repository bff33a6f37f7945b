// ragsync — StableHash: a fast hash that is the same in every process, for content-defined boundaries.

/// FNV-1a (64-bit) with a SplitMix64 finaliser.
///
/// Chunk boundaries must be identical across runs and machines, so Swift's per-process seeded `Hasher`
/// cannot be used; SHA-256 would be needlessly slow for deciding boundaries after every word group.
enum StableHash {
    /// The hash of `text`'s UTF-8 bytes.
    static func of(_ text: Substring) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        hash ^= hash >> 30
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash &*= 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return hash
    }
}
