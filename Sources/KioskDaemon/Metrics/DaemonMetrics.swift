import Foundation
import KioskCore
import KioskStore

/// Told how long the flow stayed in a step, when it leaves it. Called on the flow's actor: must not block.
public protocol FlowStepObserver: Sendable {
    func left(_ step: FlowStepName, after seconds: Double)
    /// Staff were called to the terminal (`kioskd_staff_calls_total`).
    func staffCalled(by caller: StaffCall.Caller)
}

extension FlowStepObserver {
    public func staffCalled(by caller: StaffCall.Caller) {}
}

/// What `/metrics` reads at scrape time rather than counting: the store's figures, the devices, the logger.
public struct MetricsSnapshot: Sendable {
    public var store: StoreMetricFigures
    /// Configured roles, true when the device is `ready`.
    public var devicesUp: [DeviceRole: Bool]
    public var logLinesDropped: Int
    public var now: Date

    public init(store: StoreMetricFigures, devicesUp: [DeviceRole: Bool], logLinesDropped: Int, now: Date) {
        self.store = store
        self.devicesUp = devicesUp
        self.logLinesDropped = logLinesDropped
        self.now = now
    }
}

/// kioskd's metrics: the counters kept in memory (card reads, HTTP requests, flow step times) and, at scrape time, the
/// figures read from a `MetricsSnapshot`. Never a label that carries personal data: labels are outcomes, roles, step
/// names, route templates and status codes, all from fixed sets.
public final class DaemonMetrics: FlowStepObserver, Sendable {
    private let registry = MetricsRegistry()
    /// `result`: `read`, or the reader's error reason code.
    public let cardReads: LabelledCounter
    /// `route`: the route's path template (or `unmatched`, `refused`; `ui-unmatched`, `ui-refused` on the touch UI's
    /// listener), never the raw path; `code`: the status.
    public let httpRequests: LabelledCounter
    /// `step`: the step left.
    public let flowStepSeconds: LabelledHistogram
    /// `by`: `citizen` (呼叫工作人员) or `flow` (a print problem, a resumed session).
    public let staffCalls: LabelledCounter

    /// From a screen answered at once to a form filled slowly (the flow's own timeouts are minutes).
    public static let stepBuckets: [Double] = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]
    static let transactionOutcomes = ["completed", "handedOff", "cancelled"]
    static let licenceResults = ["completed", "failed", "unknown"]

    public init() {
        cardReads = registry.counter(
            "kioskd_card_reads_total", help: "ID-card reads by result: read, or the reader's error reason code.",
            labels: ["result"])
        cardReads.increment(["read"], by: 0)
        httpRequests = registry.counter(
            "kioskd_http_requests_total",
            help: "HTTP requests answered on the pull listener and the touch UI, by route and status.",
            labels: ["route", "code"])
        flowStepSeconds = registry.histogram(
            "kioskd_flow_step_seconds", help: "Time spent in a flow step, observed when the flow leaves it.",
            labels: ["step"], buckets: Self.stepBuckets)
        staffCalls = registry.counter(
            "kioskd_staff_calls_total", help: "Staff calls to the terminal, by who called: citizen or flow.",
            labels: ["by"])
        staffCalls.increment(["citizen"], by: 0)
        staffCalls.increment(["flow"], by: 0)
    }

    public func left(_ step: FlowStepName, after seconds: Double) {
        flowStepSeconds.observe(max(0, seconds), labels: [step.rawValue])
    }

    public func staffCalled(by caller: StaffCall.Caller) { staffCalls.increment([caller.rawValue]) }

    public func cardRead(result: String) { cardReads.increment([result]) }

    public func request(route: String, code: Int) { httpRequests.increment([route, String(code)]) }

    /// The whole exposition: the snapshot's families first, then the in-memory ones.
    public func exposition(_ snapshot: MetricsSnapshot) -> String {
        PrometheusText.encode(Self.families(snapshot) + registry.collect())
    }

    static func families(_ snapshot: MetricsSnapshot) -> [MetricFamily] {
        let store = snapshot.store
        func counts(_ name: String, _ label: String, _ known: [String], _ values: [String: Int]) -> [MetricSample] {
            let keys = known + values.keys.filter { !known.contains($0) }.sorted()
            return keys.map {
                MetricSample(name: name, labels: [MetricLabel(label, $0)], value: Double(values[$0] ?? 0))
            }
        }
        let age = store.oldestPendingAt.map { max(0, snapshot.now.timeIntervalSince($0)) } ?? 0
        var licenceJobs = store.licenceJobsByOutcome
        let pendingPrints = licenceJobs.removeValue(forKey: "pending") ?? 0
        return [
            MetricFamily(
                name: "kioskd_transactions_total", help: "Ended transactions in the store, by outcome.", kind: .counter,
                samples: counts(
                    "kioskd_transactions_total", "outcome", transactionOutcomes, store.transactionsByOutcome)),
            MetricFamily(
                name: "kioskd_licence_prints_total",
                help: "Licence print jobs by journalled outcome (unknown until a technician resolves it).",
                kind: .counter,
                samples: counts("kioskd_licence_prints_total", "result", licenceResults, licenceJobs)),
            MetricFamily(
                name: "kioskd_licence_prints_pending",
                help: "Licence print jobs intended or submitted, outcome not yet known.",
                kind: .gauge,
                samples: [MetricSample(name: "kioskd_licence_prints_pending", value: Double(pendingPrints))]
            ),
            MetricFamily(
                name: "kioskd_device_up", help: "1 when the configured device in this role is ready, else 0.",
                kind: .gauge,
                samples: DeviceRole.allCases.compactMap { role in
                    snapshot.devicesUp[role].map {
                        MetricSample(
                            name: "kioskd_device_up", labels: [MetricLabel("role", role.rawValue)], value: $0 ? 1 : 0)
                    }
                }),
            MetricFamily(
                name: "kioskd_outbox_pending", help: "Outbox entries the central server has not acknowledged.",
                kind: .gauge, samples: [MetricSample(name: "kioskd_outbox_pending", value: Double(store.pendingOutbox))]
            ),
            MetricFamily(
                name: "kioskd_outbox_oldest_age_seconds",
                help: "Age of the oldest unacknowledged outbox entry; 0 when none is pending.", kind: .gauge,
                samples: [MetricSample(name: "kioskd_outbox_oldest_age_seconds", value: age.rounded(.down))]),
            MetricFamily(
                name: "kioskd_log_lines_dropped_total", help: "Log lines given up because stderr could not take them.",
                kind: .counter,
                samples: [MetricSample(name: "kioskd_log_lines_dropped_total", value: Double(snapshot.logLinesDropped))]
            ),
        ]
    }
}
