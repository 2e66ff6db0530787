/// The median of a bench's samples (nearest rank); NaN when there are none.
func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

/// The sample `fraction` of the way through the sorted `values` (nearest rank, rounded: 0.95 is the p95); NaN when
/// there are none.
func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}
