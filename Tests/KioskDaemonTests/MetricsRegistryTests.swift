import Foundation
import KioskCore
import KioskStore
import Testing

@testable import KioskDaemon

/// The metrics registry and its Prometheus text encoding (pure), read back by a real parser where the format's rules
/// matter (escaping, histogram buckets).
struct MetricsRegistryTests {
    @Test func encoding_hasHelpTypeAndOneLinePerSeries_inRegistrationOrder() {
        let registry = MetricsRegistry()
        let requests = registry.counter("app_requests_total", help: "Requests.", labels: ["route", "code"])
        let temperature = registry.gauge("app_temperature_celsius", help: "Now.")
        requests.increment(["/a", "200"])
        requests.increment(["/a", "200"], by: 2)
        requests.increment(["/b", "404"])
        temperature.set(to: -3.5)
        #expect(
            PrometheusText.encode(registry.collect()) == """
                # HELP app_requests_total Requests.
                # TYPE app_requests_total counter
                app_requests_total{route="/a",code="200"} 3
                app_requests_total{route="/b",code="404"} 1
                # HELP app_temperature_celsius Now.
                # TYPE app_temperature_celsius gauge
                app_temperature_celsius -3.5

                """)
        #expect(requests.value(["/a", "200"]) == 3)
        #expect(requests.value(["/c", "200"]) == 0)
    }

    @Test func values_areFormattedAsTheFormatWants() {
        #expect(PrometheusText.format(0) == "0")
        #expect(PrometheusText.format(42) == "42")
        #expect(PrometheusText.format(-7) == "-7")
        #expect(PrometheusText.format(0.25) == "0.25")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
        #expect(Double(PrometheusText.format(0.00001)) == 0.00001)
        #expect(Double(PrometheusText.format(1e300)) == 1e300)
    }

    @Test func labelValuesAndHelp_areEscaped_andReadBackExactlyByPrometheusClient() throws {
        let registry = MetricsRegistry()
        let awkward = ["back\\slash", "quote\"d", "two\nlines", "中文 ok", "{braces}=,", ""]
        let counter = registry.counter(
            "app_awkward_total", help: "Help with a \\ backslash\nand a second line.", labels: ["value"])
        for value in awkward { counter.increment([value]) }
        let text = PrometheusText.encode(registry.collect())
        #expect(text.contains(#"app_awkward_total{value="back\\slash"} 1"#))
        #expect(text.contains(#"app_awkward_total{value="quote\"d"} 1"#))
        #expect(text.contains(#"app_awkward_total{value="two\nlines"} 1"#))
        #expect(text.contains(#"# HELP app_awkward_total Help with a \\ backslash\nand a second line."#))

        let families = try PrometheusParser.parse(text)
        #expect(families.count == 1)
        #expect(families.first?.type == "counter")
        #expect(families.first?.help == "Help with a \\ backslash\nand a second line.")
        let parsed = families.samples("app_awkward_total").compactMap { $0.labels["value"] }
        #expect(parsed == awkward)
    }

    @Test func histogram_bucketsAreCumulative_upperBoundsInclusive_andInfEqualsCount() throws {
        let registry = MetricsRegistry()
        let histogram = registry.histogram(
            "app_wait_seconds", help: "Waits.", labels: ["step"], buckets: [0.5, 1, 5])
        for value in [0.1, 0.5, 0.7, 1, 3, 9, 100] { histogram.observe(value, labels: ["form"]) }
        histogram.observe(0.2, labels: ["card"])
        #expect(histogram.count(["form"]) == 7)

        let families = try PrometheusParser.parse(PrometheusText.encode(registry.collect()))
        #expect(families.first?.type == "histogram")
        func bucket(_ le: String, _ step: String = "form") -> Double? {
            families.value("app_wait_seconds_bucket", ["step": step, "le": le])
        }
        #expect(bucket("0.5") == 2)  // 0.1 and 0.5: a bound holds the values equal to it
        #expect(bucket("1") == 4)
        #expect(bucket("5") == 5)
        #expect(bucket("+Inf") == 7)
        #expect(families.value("app_wait_seconds_count", ["step": "form"]) == 7)
        #expect(families.value("app_wait_seconds_sum", ["step": "form"]) == 0.1 + 0.5 + 0.7 + 1 + 3 + 9 + 100)
        #expect(bucket("0.5", "card") == 1)
        #expect(bucket("+Inf", "card") == 1)
    }

    @Test func concurrentUpdates_areAllCounted() {
        let registry = MetricsRegistry()
        let counter = registry.counter("app_hits_total", help: "Hits.", labels: ["worker"])
        let histogram = registry.histogram("app_seconds", help: "Time.", buckets: [1])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for index in 0..<2000 {
                counter.increment([String(worker % 2)])
                histogram.observe(Double(index % 3))
                if index % 500 == 0 { _ = PrometheusText.encode(registry.collect()) }
            }
        }
        #expect(counter.value(["0"]) + counter.value(["1"]) == 16000)
        #expect(histogram.count() == 16000)
    }

    @Test func daemonFamilies_showEveryKnownOutcome_andTheOutboxAge() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let snapshot = MetricsSnapshot(
            store: StoreMetricFigures(
                transactionsByOutcome: ["completed": 4, "cancelled": 1],
                licenceJobsByOutcome: ["completed": 4, "pending": 1], pendingOutbox: 5,
                oldestPendingAt: now.addingTimeInterval(-90.4)),
            devicesUp: [.idReader: true, .licencePrinter: false], logLinesDropped: 2, now: now)
        let metrics = DaemonMetrics()
        metrics.left(.awaitingCard, after: 3)
        metrics.left(.awaitingCard, after: -1)  // a wall clock stepped back: counted as 0
        metrics.request(route: "/metrics", code: 200)
        let families = try PrometheusParser.parse(metrics.exposition(snapshot))
        #expect(families.value("kioskd_transactions_total", ["outcome": "completed"]) == 4)
        #expect(families.value("kioskd_transactions_total", ["outcome": "handedOff"]) == 0)
        #expect(families.value("kioskd_transactions_total", ["outcome": "cancelled"]) == 1)
        #expect(families.value("kioskd_licence_prints_total", ["result": "completed"]) == 4)
        #expect(families.value("kioskd_licence_prints_total", ["result": "failed"]) == 0)
        #expect(families.value("kioskd_licence_prints_total", ["result": "pending"]) == nil)
        #expect(families.value("kioskd_licence_prints_pending") == 1)
        #expect(families.value("kioskd_device_up", ["role": "idReader"]) == 1)
        #expect(families.value("kioskd_device_up", ["role": "licencePrinter"]) == 0)
        #expect(families.value("kioskd_device_up", ["role": "receiptPrinter"]) == nil)
        #expect(families.value("kioskd_outbox_pending") == 5)
        #expect(families.value("kioskd_outbox_oldest_age_seconds") == 90)
        #expect(families.value("kioskd_log_lines_dropped_total") == 2)
        #expect(families.value("kioskd_card_reads_total", ["result": "read"]) == 0)
        #expect(families.value("kioskd_http_requests_total", ["route": "/metrics", "code": "200"]) == 1)
        #expect(families.value("kioskd_flow_step_seconds_count", ["step": "awaitingCard"]) == 2)
        #expect(families.value("kioskd_flow_step_seconds_bucket", ["step": "awaitingCard", "le": "0.1"]) == 1)
        #expect(families.value("kioskd_flow_step_seconds_sum", ["step": "awaitingCard"]) == 3)

        let empty = MetricsSnapshot(
            store: StoreMetricFigures(
                transactionsByOutcome: [:], licenceJobsByOutcome: [:], pendingOutbox: 0, oldestPendingAt: nil),
            devicesUp: [:], logLinesDropped: 0, now: now)
        #expect(try PrometheusParser.parse(metrics.exposition(empty)).value("kioskd_outbox_oldest_age_seconds") == 0)
    }
}
