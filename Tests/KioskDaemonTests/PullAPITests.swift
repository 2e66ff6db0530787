import Foundation
import KioskCore
import KioskHTTP
import KioskIO
import Testing

@testable import KioskDaemon
@testable import KioskStore

/// The pull API's routes over an in-memory outbox (the router is pure; `DaemonPullAPITests` runs it in kioskd).
struct PullAPITests {
    static let token = "s3cret-token"
    static let tokenHash = SHA256.digest(Array(token.utf8))

    final class FakeBackend: PullBackend, @unchecked Sendable {
        let lock = NSLock()
        var entries: [OutboxEntry]
        var acked: Int64 = 0
        var unreadable = false
        var warnings: [String] = []

        init(count: Int) {
            entries = (1...count).map { seq in
                let payload = "{\"id\":\"T-\(seq)\",\"outcome\":\"completed\"}"
                return OutboxEntry(
                    seq: Int64(seq), transactionID: "T-\(seq)", payload: Data(payload.utf8),
                    createdAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(seq)), ackedAt: nil)
            }
        }

        func page(after: Int64, limit: Int) throws -> OutboxPage {
            let selected = entries.filter { $0.seq > after }
            let page = Array(selected.prefix(limit))
            return OutboxPage(entries: page, next: page.last?.seq ?? after, hasMore: selected.count > limit)
        }

        func ack(upTo: Int64) throws -> PullAckResult {
            lock.withLock {
                let last = entries.last?.seq ?? 0
                if upTo > last { return .beyondEnd(last: last) }
                acked = max(acked, upTo)
                return .acked(acked)
            }
        }

        func health() -> PullHealth? {
            unreadable
                ? nil
                : PullHealth(
                    devices: ["idReader": "ready"], outboxPending: entries.count, degraded: !warnings.isEmpty,
                    warnings: warnings)
        }

        func metricsSnapshot() -> MetricsSnapshot? {
            unreadable
                ? nil
                : MetricsSnapshot(
                    store: StoreMetricFigures(
                        transactionsByOutcome: ["completed": entries.count], licenceJobsByOutcome: [:],
                        pendingOutbox: entries.count, oldestPendingAt: entries.first?.createdAt),
                    devicesUp: [.idReader: true], logLinesDropped: 0,
                    now: Date(timeIntervalSince1970: 1_700_000_100))
        }
    }

    private func request(
        _ method: HTTPMethod, _ target: String, token: String? = token, contentType: String? = nil, body: String = "",
        peer: String = "10.0.0.9"
    ) throws -> HTTPRequest {
        HTTPRequest(
            method: method, target: try RequestTarget.parse(target), rawTarget: target,
            contentType: contentType, authorization: token.map { "Bearer \($0)" }, body: Array(body.utf8),
            peerAddress: peer)
    }

    private func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func transactions_areCloudEventsInSeqOrder_withCursor() throws {
        let api = PullAPI(kioskID: "K-1", tokenSHA256: [Self.tokenHash], backend: FakeBackend(count: 5))
        let response = api.handle(try request(.get, "/v1/transactions?after=1&limit=3"))
        #expect(response.status == 200)
        #expect(response.contentType == "application/json")
        let body = try json(response)
        #expect(body["kioskID"] as? String == "K-1")
        #expect(body["next"] as? Int == 4)
        #expect(body["hasMore"] as? Bool == true)
        let events = try #require(body["transactions"] as? [[String: Any]])
        #expect(events.map { $0["seq"] as? Int } == [2, 3, 4])
        let first = events[0]
        #expect(first["specversion"] as? String == "1.0")
        #expect(first["id"] as? String == "T-2")
        #expect(first["subject"] as? String == "T-2")
        #expect(first["source"] as? String == "urn:kioskd:K-1")
        #expect(first["type"] as? String == "kioskd.transaction.v1")
        #expect(first["datacontenttype"] as? String == "application/json")
        #expect(first["time"] as? String == "2023-11-14T22:13:22.000Z")
        #expect((first["data"] as? [String: Any])?["outcome"] as? String == "completed")

        let end = try json(api.handle(try request(.get, "/v1/transactions?after=4")))
        #expect((end["transactions"] as? [Any])?.count == 1)
        #expect(end["next"] as? Int == 5)
        #expect(end["hasMore"] as? Bool == false)
        let past = try json(api.handle(try request(.get, "/v1/transactions?after=9")))
        #expect((past["transactions"] as? [Any])?.isEmpty == true)
        #expect(past["next"] as? Int == 9)
    }

    /// A full record: every field the centre registers, in full; the purged one says so and carries none of them.
    @Test func eventData_carriesTheRecord_orSaysItWasPurged() throws {
        var record = TransactionRecord(
            id: "T-9", kioskID: "K-1", startedAt: Date(timeIntervalSince1970: 1_763_800_000))
        record.identityVerifiedAt = Date(timeIntervalSince1970: 1_763_800_010)
        record.endedAt = Date(timeIntervalSince1970: 1_763_800_300.5)
        record.outcome = .completed
        record.cardType = .resident
        record.applicantName = PersonalText("张三丰", kind: .name)
        record.applicantIDNumber = PersonalText("11010519491231002X", kind: .idNumber)
        record.form = ApplicationForm(
            kind: .company, name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
            representative: PersonalText("张三丰", kind: .name), registeredCapitalWan: 100,
            address: PersonalText("北京市东城区景山前街4号", kind: .address), businessScope: "软件开发",
            phone: PersonalText("13800138000", kind: .phone))
        record.signatureSHA256 = String(repeating: "ab", count: 32)
        record.licence = BusinessLicence(
            creditCode: "91110101MA01ABCD1X", name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
            representative: "张三丰", kind: .company, registeredCapital: "壹佰万元整",
            establishedOn: CivilDate(year: 2025, month: 11, day: 22)!,
            businessTermFrom: CivilDate(year: 2025, month: 11, day: 22)!, businessTermUntil: .longTerm,
            address: "北京市东城区景山前街4号", businessScope: "软件开发", registrationAuthority: "北京市东城区市场监督管理局",
            issuedOn: CivilDate(year: 2025, month: 11, day: 22)!,
            qrPayload: "https://www.gsxt.gov.cn/91110101MA01ABCD1X")
        record.licencePrint = .completed
        record.receiptPrint = .failed(reason: "paper-end")
        record.rating = ServiceRating(grade: .verySatisfied)
        record.queueTicket = "A007"
        let payload = try RecordCoding.encode(record)
        let whole = OutboxEntry(seq: 1, transactionID: "T-9", payload: payload, createdAt: Date(), ackedAt: nil)
        let purgedPayload = try RecordCoding.encode(PersonalDataPurge.purged(record))
        let purged = OutboxEntry(
            seq: 2, transactionID: "T-9", payload: purgedPayload, createdAt: Date(), ackedAt: nil,
            personalDataPurgedAt: Date())
        let api = PullAPI(kioskID: "K-1", tokenSHA256: [], backend: FakeBackend(count: 1))

        let event = try #require(
            try JSONSerialization.jsonObject(with: Data(api.event(whole).utf8)) as? [String: Any])
        #expect(event["time"] as? String == "2025-11-22T08:31:40.500Z")
        let data = try #require(event["data"] as? [String: Any])
        #expect(data["outcome"] as? String == "completed")
        #expect(data["personalDataPurged"] == nil)
        let applicant = try #require(data["applicant"] as? [String: Any])
        #expect(applicant["idNumber"] as? String == "11010519491231002X")
        #expect(applicant["name"] as? String == "张三丰")
        #expect(applicant["cardType"] as? String == "resident")
        let form = try #require(data["form"] as? [String: Any])
        #expect(form["phone"] as? String == "13800138000")
        #expect(form["registeredCapitalWan"] as? Int == 100)
        #expect((data["signature"] as? [String: Any])?["sha256"] as? String == String(repeating: "ab", count: 32))
        let licence = try #require(data["licence"] as? [String: Any])
        #expect(licence["creditCode"] as? String == "91110101MA01ABCD1X")
        #expect(licence["name"] as? String == "北京景山软件有限公司")
        #expect((data["receiptPrint"] as? [String: Any])?["reason"] as? String == "paper-end")
        #expect((data["licencePrint"] as? [String: Any])?["result"] as? String == "completed")
        #expect((data["rating"] as? [String: Any])?["grade"] as? Int == 5)
        #expect(data["queueTicket"] as? String == "A007")
        let times = try #require(data["times"] as? [String: Any])
        #expect(times["identityVerifiedAt"] as? String == "2025-11-22T08:26:50.000Z")

        let purgedText = api.event(purged)
        let purgedData = try #require(
            (try JSONSerialization.jsonObject(with: Data(purgedText.utf8)) as? [String: Any])?["data"]
                as? [String: Any])
        #expect(purgedData["personalDataPurged"] as? Bool == true)
        for personal in ["11010519491231002X", "张三丰", "13800138000", "景山前街", String(repeating: "ab", count: 32)] {
            #expect(!purgedText.contains(personal), "\(personal) survived the purge")
        }
        #expect((purgedData["form"] as? [String: Any])?["businessScope"] as? String == "软件开发")
    }

    @Test func badCursorOrLimit_is400() throws {
        let api = PullAPI(kioskID: "K-1", tokenSHA256: [Self.tokenHash], backend: FakeBackend(count: 2))
        for target in [
            "/v1/transactions?limit=0", "/v1/transactions?limit=1001", "/v1/transactions?limit=-1",
            "/v1/transactions?limit=ten", "/v1/transactions?after=-1", "/v1/transactions?after=1.5",
            "/v1/transactions?after=1&after=2", "/v1/transactions?after",
        ] {
            let response = api.handle(try request(.get, target))
            #expect(response.status == 400, "\(target)")
            #expect(response.contentType == "application/problem+json")
        }
        #expect(api.handle(try request(.get, "/v1/transactions?limit=1000")).status == 200)
    }

    @Test func ack_isIdempotent_neverLowers_andRefusesPastTheEnd() throws {
        let backend = FakeBackend(count: 3)
        let api = PullAPI(kioskID: "K-1", tokenSHA256: [Self.tokenHash], backend: backend)
        func ack(_ body: String, type: String = "application/json") throws -> HTTPResponse {
            api.handle(try request(.post, "/v1/transactions/ack", contentType: type, body: body))
        }
        #expect(try json(try ack("{\"upTo\": 2}"))["acked"] as? Int == 2)
        #expect(try json(try ack("{\"upTo\": 2}"))["acked"] as? Int == 2)
        #expect(try json(try ack("{\"upTo\": 1}"))["acked"] as? Int == 2)
        let beyond = try ack("{\"upTo\": 4}")
        #expect(beyond.status == 409)
        #expect(beyond.contentType == "application/problem+json")
        for bad in [
            "{}", "{\"upTo\": -1}", "{\"upTo\": 1.5}", "{\"upTo\": true}", "{\"upTo\": \"2\"}", "[2]", "2", "{",
            "{\"upTo\": 2, \"more\": 1}",
        ] {
            #expect(try ack(bad).status == 400, "\(bad)")
        }
        #expect(try ack("{\"upTo\": 2}", type: "text/plain").status == 415)
        #expect(try ack("{\"upTo\": 3}", type: "application/json; charset=utf-8").status == 200)
        #expect(backend.acked == 3)
    }

    @Test func auth_missingOrWrongToken_is401WithChallenge_then429ForThatPeer() throws {
        let clock = ManualClock()
        let api = PullAPI(
            kioskID: "K-1", tokenSHA256: [Self.tokenHash], backend: FakeBackend(count: 1), now: { clock.now })
        let missing = api.handle(try request(.get, "/v1/transactions", token: nil))
        #expect(missing.status == 401)
        #expect(missing.fields[.wwwAuthenticate] == "Bearer realm=\"kioskd\"")
        #expect(!String(decoding: missing.body, as: UTF8.self).contains(Self.token))
        let basic = HTTPRequest(
            method: .get, target: try RequestTarget.parse("/v1/transactions"), rawTarget: "/v1/transactions",
            authorization: "Basic \(Self.token)", peerAddress: "10.0.0.9")
        #expect(api.handle(basic).status == 401)
        for _ in 0..<8 { #expect(api.handle(try request(.get, "/v1/transactions", token: "wrong")).status == 401) }
        // Ten failures in the minute: the peer is turned away even with the right token; others are not.
        let blocked = api.handle(try request(.get, "/v1/transactions"))
        #expect(blocked.status == 429)
        #expect(blocked.fields[.retryAfter] == "60")
        #expect(api.handle(try request(.get, "/v1/transactions", peer: "10.0.0.10")).status == 200)
        clock.advance(.seconds(61))
        #expect(api.handle(try request(.get, "/v1/transactions")).status == 200)
        #expect(api.handle(try request(.get, "/v1/transactions", token: "bearer-less")).status == 401)
    }

    @Test func ackBody_takesOnlyAnExactNonNegativeInteger() {
        #expect(AckBody.upTo(Array("{\"upTo\": 0}".utf8)) == 0)
        #expect(AckBody.upTo(Array("{\"upTo\": 9007199254740992}".utf8)) == 1 << 53)
        for bad in ["{\"upTo\": 9007199254740993}", "{\"upTo\": 1e300}", "{\"upTo\": -0.5}", "{\"upTo\": null}", ""] {
            #expect(AckBody.upTo(Array(bad.utf8)) == nil, "\(bad)")
        }
        #expect(AckBody.upTo(Array(("{\"upTo\": 1" + String(repeating: " ", count: 5000) + "}").utf8)) == nil)
    }

    @Test func bearerTokens_matchOnlyTheirHash() {
        let other = SHA256.digest(Array("other".utf8))
        #expect(PullAPI.accepts(Self.token, hashes: [other, Self.tokenHash]))
        #expect(!PullAPI.accepts(Self.token + "x", hashes: [other, Self.tokenHash]))
        #expect(!PullAPI.accepts(Self.token, hashes: []))
        #expect(PullAPI.bearerToken("bearer abc") == "abc")
        #expect(PullAPI.bearerToken("Bearer") == nil)
        #expect(PullAPI.bearerToken("Token abc") == nil)
    }

    @Test func healthz_needsNoToken_and503WhenTheStoreIsUnreadable() throws {
        let backend = FakeBackend(count: 2)
        let api = PullAPI(kioskID: "K-1", tokenSHA256: [Self.tokenHash], backend: backend)
        let health = api.handle(try request(.get, "/healthz", token: nil))
        #expect(health.status == 200)
        let body = try json(health)
        #expect(body["status"] as? String == "ok")
        #expect(body["outboxPending"] as? Int == 2)
        #expect((body["devices"] as? [String: String]) == ["idReader": "ready"])
        #expect((body["warnings"] as? [String]) == [])
        backend.warnings = ["central-rejected"]
        let degraded = try json(api.handle(try request(.get, "/healthz", token: nil)))
        #expect(degraded["status"] as? String == "degraded")
        #expect((degraded["warnings"] as? [String]) == ["central-rejected"])
        backend.unreadable = true
        #expect(api.handle(try request(.get, "/healthz", token: nil)).status == 503)
    }

    @Test func metrics_needNoToken_countRequestsByRouteTemplate_and503WhenTheStoreIsUnreadable() throws {
        let backend = FakeBackend(count: 2)
        let api = PullAPI(kioskID: "K-1", tokenSHA256: [Self.tokenHash], backend: backend)
        _ = api.handle(try request(.get, "/v1/transactions?after=1&limit=1"))
        _ = api.handle(try request(.get, "/v1/transactions?after=x"))
        _ = api.handle(try request(.get, "/v1/transactions", token: "wrong"))
        _ = api.handle(try request(.get, "/v1/T-0001/110105194912310021"))
        _ = api.handle(try request(.delete, "/healthz"))
        let response = api.handle(try request(.get, "/metrics", token: nil))
        #expect(response.status == 200)
        #expect(response.contentType == "text/plain; version=0.0.4; charset=utf-8")
        let text = String(decoding: response.body, as: UTF8.self)
        // The raw path (which could carry anything) never becomes a label.
        #expect(!text.contains("110105194912310021"))
        let families = try PrometheusParser.parse(text)
        func requests(_ route: String, _ code: String) -> Double? {
            families.value("kioskd_http_requests_total", ["route": route, "code": code])
        }
        #expect(requests("/v1/transactions", "200") == 1)
        #expect(requests("/v1/transactions", "400") == 1)
        #expect(requests("/v1/transactions", "401") == 1)
        #expect(requests("unmatched", "404") == 1)
        #expect(requests("/healthz", "405") == 1)
        #expect(requests("/metrics", "200") == nil)  // a scrape is counted once it is answered
        #expect(families.value("kioskd_outbox_pending") == 2)
        #expect(families.value("kioskd_outbox_oldest_age_seconds") == 99)
        #expect(families.value("kioskd_transactions_total", ["outcome": "completed"]) == 2)

        let again = try PrometheusParser.parse(
            String(decoding: api.handle(try request(.get, "/metrics")).body, as: UTF8.self))
        #expect(again.value("kioskd_http_requests_total", ["route": "/metrics", "code": "200"]) == 1)
        backend.unreadable = true
        let unreadable = api.handle(try request(.get, "/metrics", token: nil))
        #expect(unreadable.status == 503)
        #expect(unreadable.contentType == "application/problem+json")
    }

    @Test func unknownRoutesAndMethods_are404And405() throws {
        let api = PullAPI(kioskID: "K-1", tokenSHA256: [Self.tokenHash], backend: FakeBackend(count: 1))
        #expect(api.handle(try request(.get, "/v1/nothing")).status == 404)
        let wrong = api.handle(try request(.delete, "/v1/transactions"))
        #expect(wrong.status == 405)
        #expect(wrong.fields[.allow] == "GET")
        #expect(api.handle(try request(.get, "/v1/transactions/ack")).status == 405)
    }

    @Test func config_pullListener_isParsedAndChecked() throws {
        let hash = String(repeating: "ab", count: 32)
        let config = try DaemonConfigTests.parse([
            "kioskID": "K-1", "central": ["pull": ["listen": "0.0.0.0:8443", "tokenSHA256": [hash]]],
        ])
        let pull = try #require(config.central.pull)
        #expect(pull.host == "0.0.0.0" && pull.port == 8443 && pull.tls)
        #expect(pull.tokenSHA256 == [[UInt8](repeating: 0xAB, count: 32)])
        #expect(try DaemonConfigTests.parse(["kioskID": "K-1"]).central.pull == nil)
        let loopbackPlain = try DaemonConfigTests.parse([
            "kioskID": "K-1", "central": ["pull": ["listen": "127.0.0.1:0", "tls": "off", "tokenSHA256": [hash]]],
        ])
        #expect(loopbackPlain.central.pull?.tls == false)
        let files = try DaemonConfigTests.parse([
            "kioskID": "K-1",
            "central": [
                "pull": [
                    "listen": "0.0.0.0:8443", "tls": ["certificate": "/etc/k/c.pem", "key": "/etc/k/k.pem"],
                    "tokenSHA256": [hash],
                ]
            ],
        ])
        #expect(files.central.pull?.tls == true)
        #expect(files.central.pull?.certificate == .init(certificate: "/etc/k/c.pem", key: "/etc/k/k.pem"))
        let refused: [([String: Any], String)] = [
            (["listen": "0.0.0.0:8443", "tls": "off", "tokenSHA256": [hash]], "central.pull.tls"),
            (["listen": "0.0.0.0:8443"], "central.pull.tokenSHA256"),
            (["listen": "0.0.0.0:8443", "tokenSHA256": []], "central.pull.tokenSHA256"),
            (["listen": "0.0.0.0:8443", "tokenSHA256": ["my-plain-token"]], "central.pull.tokenSHA256[0]"),
            (["listen": "kiosk.local:8443", "tokenSHA256": [hash]], "central.pull.listen"),
            (["listen": "0.0.0.0", "tokenSHA256": [hash]], "central.pull.listen"),
            (["listen": "0.0.0.0:8443", "tokenSHA256": [hash], "port": 1], "central.pull.port"),
            (["listen": "0.0.0.0:8443", "tokenSHA256": [hash], "tls": ["certificate": "/c"]], "central.pull.tls.key"),
            (["listen": "0.0.0.0:8443", "tokenSHA256": [hash], "tls": ["cert": "/c"]], "central.pull.tls.cert"),
            (["listen": "0.0.0.0:8443", "tokenSHA256": [hash], "tls": "maybe"], "central.pull.tls"),
        ]
        for (pull, key) in refused {
            #expect {
                _ = try DaemonConfigTests.parse(["kioskID": "K-1", "central": ["pull": pull]])
            } throws: { error in
                (error as? ConfigError)?.keyPath == key
            }
        }
    }
}

/// A monotonic clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant = ContinuousClock.now
    var now: ContinuousClock.Instant { lock.withLock { instant } }
    func advance(_ duration: Duration) { lock.withLock { instant += duration } }
}

/// docs/central-api.yaml (OpenAPI 3.1) and the routes served agree: the same operations, and the same ones open
/// without a token. Read with PyYAML (python3-yaml), a real YAML parser.
struct CentralAPIDocumentTests {
    @Test func openAPIDocument_listsExactlyTheRoutesServed() throws {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/central-api.yaml").path
        let child = try ChildProcess(
            "/usr/bin/python3",
            [
                "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
                document,
            ], environment: ["PATH": "/usr/bin:/bin"])
        #expect(child.waitForExit(deadline: .after(seconds: 30)))
        #expect(child.exitStatus == 0, "\(child.output)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(child.output.utf8)) as? [String: Any])
        #expect(root["openapi"] as? String == "3.1.0")
        let globalSecurity = root["security"] as? [[String: Any]] ?? []
        #expect(!globalSecurity.isEmpty)
        let paths = try #require(root["paths"] as? [String: [String: Any]])
        var documented: Set<PullAPI.Route> = []
        var servedByTheCentre: [String] = []
        for (path, operations) in paths {
            // The other direction (the centre serves, kioskd calls): checked against the central simulator.
            if operations["x-served-by"] as? String == "centre" {
                servedByTheCentre.append(path)
                continue
            }
            for (method, operation) in operations {
                let method = try #require(HTTPMethod(rawValue: method.uppercased()), "\(method) \(path)")
                let security = (operation as? [String: Any])?["security"] as? [[String: Any]] ?? globalSecurity
                documented.insert(PullAPI.Route(method: method, path: path, needsToken: !security.isEmpty))
            }
        }
        #expect(documented == Set(PullAPI.routes))
        #expect(servedByTheCentre == ["/identity/v1/verify"])
    }
}

@Suite struct RFC3339Tests {
    /// The hand formatter agrees with Foundation's over a seeded spread of instants, before 1970 included.
    @Test func rfc3339_matchesISO8601DateFormatter() {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        reference.timeZone = TimeZone(identifier: "UTC")
        var rng = SplitMix64(state: 3339)
        for _ in 0..<2000 {
            let ms = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &rng)
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            #expect(PullAPI.rfc3339(date) == reference.string(from: date), "at \(ms) ms")
        }
    }
}
