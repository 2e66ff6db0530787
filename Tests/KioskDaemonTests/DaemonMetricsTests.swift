import Foundation
import KioskCore
import KioskDaemon
import KioskIO
import Testing

/// `/metrics` and `/healthz` served by kioskd as a real process (simulated devices, plain HTTP on loopback), after one
/// completed transaction, read by curl and parsed by prometheus_client's parser.
@Suite(.serialized) struct DaemonMetricsTests {
    private func curl(_ arguments: [String]) throws -> String {
        let child = try ChildProcess("/usr/bin/curl", ["-s"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: 30)) else {
            child.stop()
            throw DaemonProcess.Failure(description: "curl \(arguments) hung")
        }
        guard child.exitStatus == 0 else {
            throw DaemonProcess.Failure(description: "curl \(arguments) exited \(child.exitStatus ?? -1)")
        }
        return child.output
    }

    /// kioskd (simulated devices) with the pull listener on 127.0.0.1:0 without TLS; its base URL.
    private func startKioskd(_ directory: URL, token: String) throws -> (DaemonProcess, String) {
        let daemon = try DaemonProcess(
            stateDirectory: directory,
            config: [
                "kioskID": "METRICS-01",
                "central": [
                    "pull": [
                        "listen": "127.0.0.1:0", "tls": "off", "tokenSHA256": [SHA256.hex(of: Array(token.utf8))],
                    ]
                ],
            ])
        guard daemon.child.waitForOutput(containing: "pull API listening on http://", deadline: .after(seconds: 10)),
            let line = daemon.output.components(separatedBy: "\n").first(where: {
                $0.contains("pull API listening on http://127.0.0.1:")
            }),
            let port = line.components(separatedBy: "http://127.0.0.1:").last.flatMap({ Int($0.prefix { $0.isNumber }) }
            )
        else {
            daemon.stop()
            throw DaemonProcess.Failure(description: "no pull listener logged:\n\(daemon.output)")
        }
        return (daemon, "http://127.0.0.1:\(port)")
    }

    @Test func metrics_afterOneCompletedTransaction_parseAndCountIt() throws {
        let directory = try TemporaryDirectory("kioskd-metrics")
        defer { directory.remove() }
        let token = "metrics-token-\(UUID().uuidString)"
        let (daemon, base) = try startKioskd(directory.url, token: token)
        defer { daemon.stop() }

        let admin = try daemon.admin()
        let id = try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating")
        try admin.flow("rate", ["grade": 5])
        try admin.wait(for: "completed")

        let health = try #require(
            try JSONSerialization.jsonObject(with: Data(try curl(["\(base)/healthz"]).utf8)) as? [String: Any])
        #expect(health["status"] as? String == "ok", "\(health)")
        #expect(health["outboxPending"] as? Int == 1)
        #expect(
            (health["devices"] as? [String: String]) == [
                "idReader": "ready", "receiptPrinter": "ready", "ticketDispenser": "ready", "licencePrinter": "ready",
                "camera": "ready",
            ])

        let response = try curl(["-i", "\(base)/metrics"])
        let parts = response.components(separatedBy: "\r\n\r\n")
        let head = try #require(parts.first)
        #expect(head.hasPrefix("HTTP/1.1 200 "), "\(head)")
        #expect(head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), "\(head)")
        let text = parts.dropFirst().joined(separator: "\r\n\r\n")
        // No personal data, no token, no transaction id in the metrics.
        for secret in ["11010519491231002X", "张三丰", "13812345678", token, id] {
            #expect(!text.contains(secret), "\(secret) in /metrics")
        }

        let families = try PrometheusParser.parse(text)
        #expect(families.value("kioskd_transactions_total", ["outcome": "completed"]) == 1, "\(text)")
        #expect(families.value("kioskd_transactions_total", ["outcome": "handedOff"]) == 0)
        #expect(families.value("kioskd_transactions_total", ["outcome": "cancelled"]) == 0)
        #expect(families.value("kioskd_licence_prints_total", ["result": "completed"]) == 1)
        #expect(families.value("kioskd_licence_prints_total", ["result": "failed"]) == 0)
        #expect(families.value("kioskd_licence_prints_pending") == 0)
        for role in DeviceRole.allCases {
            #expect(families.value("kioskd_device_up", ["role": role.rawValue]) == 1, "\(role)")
        }
        #expect(families.value("kioskd_outbox_pending") == 1)
        let age = try #require(families.value("kioskd_outbox_oldest_age_seconds"))
        #expect((0..<600).contains(age))
        #expect(families.value("kioskd_card_reads_total", ["result": "read"]) == 1)
        #expect(families.value("kioskd_http_requests_total", ["route": "/healthz", "code": "200"]) == 1)
        #expect(families.value("kioskd_log_lines_dropped_total") == 0)

        // The flow left each step of the happy path once; every histogram series is well formed.
        #expect(families.value("kioskd_flow_step_seconds_count", ["step": "awaitingCard"]) == 1)
        let histogram = families.samples("kioskd_flow_step_seconds_count")
        #expect(histogram.count >= 5, "\(histogram)")
        for series in histogram {
            let step = try #require(series.labels["step"])
            let buckets = families.samples("kioskd_flow_step_seconds_bucket").filter { $0.labels["step"] == step }
            let bounds = buckets.compactMap { Double($0.labels["le"] ?? "") }
            #expect(bounds == [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, .infinity], "\(step)")
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value }, "\(step): \(buckets)")
            #expect(buckets.last?.value == series.value, "\(step): +Inf is not the count")
            let sum = try #require(families.value("kioskd_flow_step_seconds_sum", ["step": step]))
            #expect(sum >= 0)
        }

        // Each scrape is counted once answered; so is what the server refuses before routing (here a chunked body).
        let chunked = try curl([
            "-o", "/dev/null", "-w", "%{http_code}", "-H", "Transfer-Encoding: chunked", "-H",
            "Content-Type: application/json", "--data-binary", "{\"upTo\": 1}", "\(base)/v1/transactions/ack",
        ])
        #expect(chunked == "411")
        let second = try PrometheusParser.parse(try curl(["\(base)/metrics"]))
        #expect(second.value("kioskd_http_requests_total", ["route": "/metrics", "code": "200"]) == 1)
        #expect(second.value("kioskd_http_requests_total", ["route": "refused", "code": "411"]) == 1)
        #expect(daemon.terminate() == 0)
    }

    @Test func cardReadErrors_areCountedByReason_andTheHandOffByOutcome() throws {
        let directory = try TemporaryDirectory("kioskd-metrics-card")
        defer { directory.remove() }
        let (daemon, base) = try startKioskd(directory.url, token: "t-\(UUID().uuidString)")
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.flow("start")
        try admin.sim("card-read-failures", ["count": 50])
        try admin.sim("place-card", ["card": "resident"])
        // A hand-off asks for 好差评 first; the citizen skips it.
        try admin.wait(for: "rating")
        try DaemonScript.expectApplied(admin.flow("skip-rating"))
        try admin.wait(for: "handedOff")

        let families = try PrometheusParser.parse(try curl(["\(base)/metrics"]))
        let reads = families.samples("kioskd_card_reads_total")
        let errors = reads.filter { $0.labels["result"] != "read" }
        #expect(!errors.isEmpty && errors.allSatisfy { $0.value >= 1 }, "\(reads)")
        #expect(families.value("kioskd_card_reads_total", ["result": "read"]) == 0)
        #expect(families.value("kioskd_transactions_total", ["outcome": "handedOff"]) == 1)
        #expect(families.value("kioskd_transactions_total", ["outcome": "completed"]) == 0)
        #expect(families.value("kioskd_licence_prints_total", ["result": "completed"]) == 0)
        #expect(daemon.terminate() == 0)
    }
}

/// `central.metrics.listen`: a second, plain listener with `/metrics` and `/healthz` and nothing else.
@Suite(.serialized) struct DaemonMetricsListenerTests {
    private func curl(_ arguments: [String]) throws -> String {
        let child = try ChildProcess("/usr/bin/curl", ["-s"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: 30)), child.exitStatus == 0 else {
            child.stop()
            throw DaemonProcess.Failure(description: "curl \(arguments) failed")
        }
        return child.output
    }

    @Test func metricsListener_servesMetricsAndHealth_only_besideThePullAPI() throws {
        let directory = try TemporaryDirectory("kioskd-metrics-listen")
        defer { directory.remove() }
        let token = "pull-token-\(UUID().uuidString)"
        let daemon = try DaemonProcess(
            stateDirectory: directory.url,
            config: [
                "kioskID": "METRICS-02",
                "central": [
                    "pull": ["listen": "127.0.0.1:0", "tokenSHA256": [SHA256.hex(of: Array(token.utf8))]],
                    "metrics": ["listen": "127.0.0.1:0"],
                ],
            ])
        defer { daemon.stop() }
        guard daemon.child.waitForOutput(containing: "metrics listening on http://", deadline: .after(seconds: 10)),
            let line = daemon.output.components(separatedBy: "\n").first(where: {
                $0.contains("metrics listening on http://127.0.0.1:")
            }),
            let port = line.components(separatedBy: "http://127.0.0.1:").last.flatMap({ Int($0.prefix { $0.isNumber }) }
            )
        else {
            Issue.record("no metrics listener logged:\n\(daemon.output)")
            return
        }
        let base = "http://127.0.0.1:\(port)"
        let served = try curl(["-o", "/dev/null", "-w", "%{http_code} %{content_type}", "\(base)/metrics"])
        #expect(served.hasPrefix("200 text/plain; version=0.0.4"), "\(served)")
        let metrics = try curl(["\(base)/metrics"])
        #expect(metrics.contains("kioskd_outbox_pending 0"))
        let families = try PrometheusParser.parse(metrics)
        #expect(families.contains { $0.name == "kioskd_http_requests" })
        let health = try #require(
            try JSONSerialization.jsonObject(with: Data(try curl(["\(base)/healthz"]).utf8)) as? [String: Any])
        #expect(health["outboxPending"] as? Int == 0)
        // The pull API is not here, with or without its token.
        let pull = try curl([
            "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
            "\(base)/v1/transactions",
        ])
        #expect(pull == "404")
        let ack = try curl([
            "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
            "-H", "Content-Type: application/json", "-d", "{\"upTo\":0}", "\(base)/v1/transactions/ack",
        ])
        #expect(ack == "404")
        let status = try ControlConnection(path: daemon.statusSocket).request(["command": "status"])
        let listed = (status["central"] as? [String: Any])?["metrics"] as? [String: Any]
        #expect(listed?["url"] as? String == base)
    }

    @Test func metricsListen_notAnAddress_isAConfigErrorNamingTheKey() {
        let error = #expect(throws: ConfigError.self) {
            try DaemonConfigTests.parse(["kioskID": "K-1", "central": ["metrics": ["listen": "localhost:9464"]]])
        }
        #expect(error?.keyPath == "central.metrics.listen")
    }
}
