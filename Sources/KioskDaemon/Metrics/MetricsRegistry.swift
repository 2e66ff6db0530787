import Foundation

/// A metric family's kind, as the Prometheus text format names it in its `# TYPE` line.
public enum MetricKind: String, Sendable, Hashable {
    case counter, gauge, histogram
}

/// One line of a family: the full sample name (a histogram's `_bucket`, `_sum`, `_count`), its labels in order, the
/// value.
public struct MetricSample: Sendable, Hashable {
    public var name: String
    public var labels: [MetricLabel]
    public var value: Double

    public init(name: String, labels: [MetricLabel] = [], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }
}

public struct MetricLabel: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A metric family: what one `# HELP` and `# TYPE` pair introduces.
public struct MetricFamily: Sendable, Hashable {
    public var name: String
    public var help: String
    public var kind: MetricKind
    public var samples: [MetricSample]

    public init(name: String, help: String, kind: MetricKind, samples: [MetricSample]) {
        precondition(MetricName.isValid(name), "not a metric name: \(name)")
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }
}

enum MetricName {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isValid(_ name: String) -> Bool { valid(name, colons: true) }
    /// `[a-zA-Z_][a-zA-Z0-9_]*`, and not starting `__` (reserved).
    static func isValidLabel(_ name: String) -> Bool { valid(name, colons: false) && !name.hasPrefix("__") }

    private static func valid(_ name: String, colons: Bool) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || (colons && c == ":")
        }
        return letter(first) && name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}

/// The Prometheus text exposition format, version 0.0.4.
public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func encode(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                text += sample.name
                if !sample.labels.isEmpty {
                    text += "{"
                    text += sample.labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",")
                    text += "}"
                }
                text += " \(format(sample.value))\n"
            }
        }
        return text
    }

    /// HELP text: backslash and line feed escaped.
    static func escapeHelp(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Label values: backslash, double quote and line feed escaped.
    static func escapeLabelValue(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Whole numbers without a fraction (`3`, not `3.0`), `+Inf`, `-Inf`, `NaN`, else Swift's shortest round-trip form
    /// (which Go's ParseFloat reads, `1e-05` included).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Something a `MetricsRegistry` collects from at scrape time.
public protocol MetricCollector: Sendable {
    func collect() -> MetricFamily
}

/// The metric families kioskd keeps in memory, collected in the order they were registered. Thread-safe: every
/// series guards its values with its own lock, so an increment never waits for a scrape of another family.
public final class MetricsRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var collectors: [any MetricCollector] = []
    private var names: Set<String> = []

    public init() {}

    public func counter(_ name: String, help: String, labels: [String] = []) -> LabelledCounter {
        register(LabelledCounter(name: name, help: help, labelNames: labels))
    }

    public func gauge(_ name: String, help: String, labels: [String] = []) -> LabelledGauge {
        register(LabelledGauge(name: name, help: help, labelNames: labels))
    }

    public func histogram(_ name: String, help: String, labels: [String] = [], buckets: [Double]) -> LabelledHistogram {
        register(LabelledHistogram(name: name, help: help, labelNames: labels, buckets: buckets))
    }

    public func collect() -> [MetricFamily] {
        lock.withLock { collectors }.map { $0.collect() }
    }

    private func register<Collector: MetricCollector & NamedMetric>(_ collector: Collector) -> Collector {
        lock.withLock {
            precondition(names.insert(collector.name).inserted, "metric \(collector.name) registered twice")
            collectors.append(collector)
        }
        return collector
    }
}

public protocol NamedMetric {
    var name: String { get }
}

/// Series keyed by label values, in the order of first use, under one lock.
final class SeriesTable<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var order: [[String]] = []
    private var values: [[String]: Value] = [:]
    let labelNames: [String]

    init(labelNames: [String]) {
        precondition(labelNames.allSatisfy(MetricName.isValidLabel), "bad label names \(labelNames)")
        precondition(Set(labelNames).count == labelNames.count, "repeated label names \(labelNames)")
        self.labelNames = labelNames
    }

    func update(_ labelValues: [String], initial: @autoclosure () -> Value, _ change: (inout Value) -> Void) {
        precondition(labelValues.count == labelNames.count, "expected labels \(labelNames), got \(labelValues)")
        lock.withLock {
            if values[labelValues] == nil {
                order.append(labelValues)
                values[labelValues] = initial()
            }
            change(&values[labelValues]!)
        }
    }

    func snapshot() -> [(labels: [MetricLabel], value: Value)] {
        lock.withLock {
            order.map { key in (zip(labelNames, key).map { MetricLabel($0, $1) }, values[key]!) }
        }
    }

    func value(_ labelValues: [String]) -> Value? { lock.withLock { values[labelValues] } }
}

/// A counter with labels: only goes up.
public final class LabelledCounter: MetricCollector, NamedMetric, Sendable {
    public let name: String
    let help: String
    private let series: SeriesTable<Double>

    init(name: String, help: String, labelNames: [String]) {
        precondition(MetricName.isValid(name), "not a metric name: \(name)")
        self.name = name
        self.help = help
        series = SeriesTable(labelNames: labelNames)
    }

    /// Adds `amount` (not negative) to the series with these label values (in the order the labels were declared).
    public func increment(_ labelValues: [String] = [], by amount: Double = 1) {
        precondition(amount >= 0, "a counter only goes up")
        series.update(labelValues, initial: 0) { $0 += amount }
    }

    public func value(_ labelValues: [String] = []) -> Double { series.value(labelValues) ?? 0 }

    public func collect() -> MetricFamily {
        MetricFamily(
            name: name, help: help, kind: .counter,
            samples: series.snapshot().map { MetricSample(name: name, labels: $0.labels, value: $0.value) })
    }
}

/// A gauge with labels: set to any value.
public final class LabelledGauge: MetricCollector, NamedMetric, Sendable {
    public let name: String
    let help: String
    private let series: SeriesTable<Double>

    init(name: String, help: String, labelNames: [String]) {
        precondition(MetricName.isValid(name), "not a metric name: \(name)")
        self.name = name
        self.help = help
        series = SeriesTable(labelNames: labelNames)
    }

    public func set(_ labelValues: [String] = [], to value: Double) {
        series.update(labelValues, initial: 0) { $0 = value }
    }

    public func value(_ labelValues: [String] = []) -> Double? { series.value(labelValues) }

    public func collect() -> MetricFamily {
        MetricFamily(
            name: name, help: help, kind: .gauge,
            samples: series.snapshot().map { MetricSample(name: name, labels: $0.labels, value: $0.value) })
    }
}

/// A histogram with fixed, ascending upper bounds; the `+Inf` bucket is implied. Buckets are cumulative when
/// collected, as the format wants.
public final class LabelledHistogram: MetricCollector, NamedMetric, Sendable {
    public let name: String
    let help: String
    public let buckets: [Double]
    private let series: SeriesTable<Counts>

    struct Counts {
        /// Per bucket, not cumulative; one more than `buckets` for `+Inf`.
        var perBucket: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    init(name: String, help: String, labelNames: [String], buckets: [Double]) {
        precondition(MetricName.isValid(name), "not a metric name: \(name)")
        precondition(!labelNames.contains("le"), "`le` is the bucket label")
        precondition(!buckets.isEmpty && zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 }, "unsorted buckets")
        precondition(buckets.allSatisfy(\.isFinite), "+Inf is implied")
        self.name = name
        self.help = help
        self.buckets = buckets
        series = SeriesTable(labelNames: labelNames)
    }

    public func observe(_ value: Double, labels labelValues: [String] = []) {
        let index = buckets.firstIndex { value <= $0 } ?? buckets.count
        let width = buckets.count + 1
        series.update(labelValues, initial: Counts(perBucket: Array(repeating: 0, count: width))) {
            $0.perBucket[index] += 1
            $0.sum += value
            $0.count += 1
        }
    }

    /// Observations in the series so far.
    public func count(_ labelValues: [String] = []) -> UInt64 { series.value(labelValues)?.count ?? 0 }

    public func collect() -> MetricFamily {
        var samples: [MetricSample] = []
        for (labels, counts) in series.snapshot() {
            var cumulative: UInt64 = 0
            for (index, bound) in (buckets + [.infinity]).enumerated() {
                cumulative += counts.perBucket[index]
                samples.append(
                    MetricSample(
                        name: name + "_bucket", labels: labels + [MetricLabel("le", PrometheusText.format(bound))],
                        value: Double(cumulative)))
            }
            samples.append(MetricSample(name: name + "_sum", labels: labels, value: counts.sum))
            samples.append(MetricSample(name: name + "_count", labels: labels, value: Double(counts.count)))
        }
        return MetricFamily(name: name, help: help, kind: .histogram, samples: samples)
    }
}
