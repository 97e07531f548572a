/// A log-linear histogram of nanosecond values: 32 sub-buckets per power of
/// two (about 3% precision), fixed size, O(1) record with no allocation.
struct LatencyHistogram: Sendable {
    private static let subBucketBits = 5
    private static let subBuckets = 1 << subBucketBits  // 32
    private static let bucketCount = 2 * subBuckets + (64 - subBucketBits - 1) * subBuckets

    private var counts = [UInt64](repeating: 0, count: LatencyHistogram.bucketCount)
    private(set) var total: UInt64 = 0

    @inline(__always)
    private static func index(_ value: UInt64) -> Int {
        if value < UInt64(2 * subBuckets) { return Int(value) }
        let msb = 63 - value.leadingZeroBitCount  // >= subBucketBits + 1
        let shift = msb - subBucketBits
        let top = Int(truncatingIfNeeded: value >> UInt64(shift))  // in [32, 63]
        return 2 * subBuckets + (shift - 1) * subBuckets + (top - subBuckets)
    }

    /// The upper bound of the values counted in bucket `index`.
    private static func upperBound(_ index: Int) -> UInt64 {
        if index < 2 * subBuckets { return UInt64(index) }
        let shift = (index - 2 * subBuckets) / subBuckets + 1
        let top = UInt64((index - 2 * subBuckets) % subBuckets + subBuckets)
        return ((top + 1) << UInt64(shift)) - 1
    }

    @inline(__always)
    mutating func record(_ nanoseconds: UInt64) {
        counts[Self.index(nanoseconds)] &+= 1
        total &+= 1
    }

    mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        total &+= other.total
    }

    /// The value at quantile `q` (0...1), as the upper bound of its bucket; nil when empty.
    func quantile(_ q: Double) -> UInt64? {
        guard total > 0 else { return nil }
        let rank = max(UInt64((q * Double(total)).rounded(.up)), 1)
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return Self.upperBound(index) }
        }
        return nil
    }
}
