import Foundation
import Glibc
import KioskCore
import KioskHTTP
import KioskIO
import Testing

@testable import KioskDaemon

/// The verifier against the central simulator as a real process over pinned TLS (its own certificate), and the
/// simulator's identity service checked through the project's HTTPS client.
@Suite(.serialized) struct CentralIdentityVerifierTests {
    static let idNumber = "11010519491231002X"
    static let name = "张三丰"

    /// A JPEG-shaped frame: SOI, `count - 4` seeded bytes, EOI (the service checks the markers and the size).
    static func jpeg(_ count: Int, seed: UInt64 = 15) -> [UInt8] {
        var rng = SplitMix64(state: seed)
        return [0xFF, 0xD8] + (0..<max(0, count - 4)).map { _ in UInt8.random(in: 0...255, using: &rng) } + [
            0xFF, 0xD9,
        ]
    }

    static func request(_ id: String, attempt: Int = 1, jpeg: [UInt8] = jpeg(12_000)) -> FaceVerificationRequest {
        FaceVerificationRequest(
            transactionID: id, attempt: attempt, idNumber: idNumber, name: name,
            frame: CameraFrame(jpeg: jpeg, width: 640, height: 480))
    }

    private func config(
        _ centre: CentralSimulatorProcess, _ directory: URL, timeout: Duration = .seconds(2), pin: String? = nil,
        url: String? = nil
    ) throws -> IdentityConfig {
        let push = try centre.pushConfig(directory: directory)
        return IdentityConfig(
            url: try #require(HTTPSURL(url ?? centre.url + "/identity/v1/verify")),
            tokenFile: push["tokenFile"] as! String,
            verification: try #require(PeerVerification.pin(hex: pin ?? centre.certificateSHA256)), timeout: timeout)
    }

    private func identity(_ centre: CentralSimulatorProcess) throws -> [String: Any] {
        try #require(try centre.received(summary: true)["identity"] as? [String: Any])
    }

    private func asked(_ centre: CentralSimulatorProcess) throws -> [[String: Any]] {
        try identity(centre)["requests"] as? [[String: Any]] ?? []
    }

    @Test func match_andAScriptedNoMatchTwiceThenMatch_withScores_recordedWithoutPersonalData() async throws {
        let directory = try TemporaryDirectory("identity-match")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        let log = LineCollector()
        let verifier = try CentralIdentityVerifier(
            config: try config(centre, directory.url), logger: Logger(level: .debug, write: log.add))
        let image = Self.jpeg(12_000)
        #expect(await verifier.verify(Self.request("T-1", jpeg: image)) == .decided(.match, score: 0.93))

        try centre.setMode(["identityScript": ["no-match", "no-match", "match"]])
        var outcomes: [FaceVerificationOutcome] = []
        for attempt in 1...3 { outcomes.append(await verifier.verify(Self.request("T-2", attempt: attempt))) }
        #expect(
            outcomes == [
                .decided(.noMatch, score: 0.12), .decided(.noMatch, score: 0.12), .decided(.match, score: 0.93),
            ])
        try centre.setMode(["identity": "no-match"])
        #expect(await verifier.verify(Self.request("T-3")) == .decided(.noMatch, score: 0.12))

        let asked = try asked(centre)
        #expect(asked.map { $0["transactionID"] as? String } == ["T-1", "T-2", "T-2", "T-2", "T-3"])
        #expect(asked.map { $0["attempt"] as? Int } == [1, 1, 2, 3, 1])
        #expect(asked.first?["imageBytes"] as? Int == image.count)
        #expect(asked.first?["imageSHA256"] as? String == SHA256.hex(of: image))
        #expect(asked.map { $0["decision"] as? String } == ["match", "noMatch", "noMatch", "match", "noMatch"])

        // Neither side's log names the card holder; both name the transaction.
        let everything = try centre.received()
        let report = String(
            decoding: try JSONSerialization.data(withJSONObject: everything), as: UTF8.self)
        for text in [log.all.joined(), centre.child.output, report] {
            #expect(!text.contains(Self.idNumber) && !text.contains(Self.name), "\(text)")
            #expect(!text.contains(Self.idNumber.prefix(10)))
            #expect(text.contains("T-2"), "\(text)")
        }
        #expect(
            log.all.joined().contains("identity check of T-2 attempt 2: noMatch (score 0.12) in "),
            "\(log.all.joined())")
        #expect(centre.child.output.contains("identity: T-2 attempt 3: image 12000 bytes"), "\(centre.child.output)")
    }

    @Test func unavailable503_slowPastTheTimeout_andMalformedOrOversizedAnswers_areUnavailable() async throws {
        let directory = try TemporaryDirectory("identity-faults")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url, arguments: ["--identity", "unavailable"])
        let verifier = try CentralIdentityVerifier(
            config: try config(centre, directory.url, timeout: .seconds(1)), logger: nil)
        #expect(await verifier.verify(Self.request("T-1")) == .unavailable(reason: "http-503"))

        try centre.setMode(["identity": "slow", "identitySlowSeconds": 4.0])
        let started = ContinuousClock.now
        #expect(await verifier.verify(Self.request("T-2")) == .unavailable(reason: "timeout"))
        let waited = ContinuousClock.now - started
        #expect(waited >= .seconds(1) && waited < .milliseconds(1800), "\(waited)")

        try centre.setMode(["identity": "malformed"])
        #expect(await verifier.verify(Self.request("T-3")) == .unavailable(reason: "bad-answer"))
        try centre.setMode(["identity": "oversized"])
        #expect(await verifier.verify(Self.request("T-4")) == .unavailable(reason: "bad-answer"))
        // A request the service refuses (attempt 4) is an HTTP 4xx.
        try centre.setMode(["identity": "match"])
        #expect(await verifier.verify(Self.request("T-5", attempt: 4)) == .unavailable(reason: "http-400"))
        #expect(await verifier.verify(Self.request("T-6")) == .decided(.match, score: 0.93))
    }

    @Test func wrongCertificate_isTLSFailed_andNothingReachesTheService() async throws {
        let directory = try TemporaryDirectory("identity-pin")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        let verifier = try CentralIdentityVerifier(
            config: try config(centre, directory.url, pin: String(repeating: "ab", count: 32)), logger: nil)
        #expect(await verifier.verify(Self.request("T-1")) == .unavailable(reason: "tls-failed"))
        #expect(try asked(centre).isEmpty)
        #expect(try identity(centre)["refused"] as? Int == 0)

        // The listener gone: connect-failed.
        let port = try #require(HTTPSURL(centre.url + "/")).port
        centre.child.stop()
        let gone = try CentralIdentityVerifier(
            config: try config(centre, directory.url, url: "https://127.0.0.1:\(port)/identity/v1/verify"),
            logger: nil)
        #expect(await gone.verify(Self.request("T-2")) == .unavailable(reason: "connect-failed"))
    }

    @Test func anImageOver200KiB_isRefusedBeforeAnyConnection() async throws {
        let directory = try TemporaryDirectory("identity-large")
        defer { directory.remove() }
        // A plain listener that never accepts: a connection attempt would be pending on it.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        #expect(bound)
        let port = UInt16(bigEndian: address.sin_port)
        let tokenFile = directory.url.appendingPathComponent("token")
        try Data("token".utf8).write(to: tokenFile)
        _ = chmod(tokenFile.path, 0o600)
        let config = IdentityConfig(
            url: try #require(HTTPSURL("https://127.0.0.1:\(port)/identity/v1/verify")), tokenFile: tokenFile.path,
            verification: try #require(PeerVerification.pin(hex: String(repeating: "00", count: 32))),
            timeout: .seconds(1))
        let verifier = try CentralIdentityVerifier(config: config, logger: nil)
        let limit = IdentityVerificationWire.maximumImageBytes
        #expect(
            await verifier.verify(Self.request("T-1", jpeg: Self.jpeg(limit + 1)))
                == .unavailable(reason: "image-too-large"))
        #expect(await verifier.verify(Self.request("T-2", jpeg: [])) == .unavailable(reason: "no-image"))
        var pending = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pending, 1, 100) == 0, "a connection was made")
        // At the limit it is sent — and a peer that takes the connection but never answers the TLS handshake is
        // given up on at the deadline too.
        let started = ContinuousClock.now
        let silent = await verifier.verify(Self.request("T-3", jpeg: Self.jpeg(limit)))
        let waited = ContinuousClock.now - started
        #expect(silent == .unavailable(reason: "timeout"), "\(silent)")
        #expect(waited < .milliseconds(1800), "\(waited)")
        #expect(poll(&pending, 1, 0) == 1, "the frame at the limit should have been sent")
    }

    /// The simulator checks each field as the real service would, and its refusals quote no personal data.
    @Test func simulator_refusesMalformedRequests_namingTheFieldButNoPersonalData() throws {
        let directory = try TemporaryDirectory("identity-validation")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        let url = try #require(HTTPSURL(centre.url + "/identity/v1/verify"))
        let pin = try #require(PeerVerification.pin(hex: centre.certificateSHA256))
        func post(_ body: [UInt8], contentType: String = "application/json", token: String? = nil) throws
            -> HTTPClientResponse
        {
            try HTTPClient.send(
                .post, url, contentType: contentType, bearerToken: token ?? centre.token, body: body,
                verification: pin, deadline: .after(seconds: 10))
        }
        func body(
            id: String = "T-1", attempt: Int = 1, idNumber: String = Self.idNumber, name: String = Self.name,
            jpeg: [UInt8] = Self.jpeg(2000)
        ) -> [UInt8] {
            IdentityVerificationRequest.body(
                transactionID: id, attempt: attempt, idNumber: idNumber, name: name, jpeg: jpeg)
        }
        let good = try post(body())
        #expect(good.status == 200)
        #expect(
            IdentityVerificationAnswer.parse(good.body) == IdentityVerificationAnswer(decision: .match, score: 0.93))

        let notJPEG = [0x89, 0x50, 0x4E, 0x47] + Self.jpeg(100)
        let cases: [([UInt8], String, String)] = [
            (Array(#"{"transactionID":"T-1","attempt":1,"name":"x","image":""}"#.utf8), "application/json", "idNumber"),
            (body(attempt: 0), "application/json", "attempt"),
            (body(attempt: 4), "application/json", "attempt"),
            (body(idNumber: "110105194912310021"), "application/json", "idNumber"),
            (body(name: " "), "application/json", "name"),
            (body(id: "T 1/../x"), "application/json", "transactionID"),
            (body(jpeg: notJPEG), "application/json", "JPEG"),
            (body(jpeg: Self.jpeg(IdentityVerificationWire.maximumImageBytes + 1)), "application/json", "larger"),
            (
                Array(
                    #"{"transactionID":"T-1","attempt":1,"idNumber":"\#(Self.idNumber)","name":"x","image":"***"}"#.utf8
                ),
                "application/json", "base64"
            ),
            (body(), "text/plain", "application/json"),
        ]
        for (index, (bytes, type, field)) in cases.enumerated() {
            let answer = try post(bytes, contentType: type)
            let detail = String(decoding: answer.body, as: UTF8.self)
            #expect(answer.status == 400, "case \(index): \(answer.status) \(detail)")
            #expect(detail.contains(field), "case \(index): \(detail)")
            #expect(!detail.contains(Self.idNumber) && !detail.contains(Self.name), "case \(index): \(detail)")
        }
        let unauthorized = try post(body(), token: "wrong")
        #expect(unauthorized.status == 401)
        let identity = try #require(try centre.received(summary: true)["identity"] as? [String: Any])
        #expect(identity["refused"] as? Int == cases.count)
        #expect((identity["requests"] as? [Any])?.count == 1)
        #expect(!centre.child.output.contains(Self.idNumber) && !centre.child.output.contains(Self.name))
        // An answer it does not know is refused by the control, naming the key.
        let refusal = try centre.setMode(["identity": "maybe"])
        #expect((refusal["detail"] as? String)?.contains("identity is one of") == true, "\(refusal)")
        #expect(
            try centre.received(summary: true)["identity"].flatMap { ($0 as? [String: Any])?["mode"] as? String }
                == "match")
    }

    // MARK: Pure parts

    @Test func body_decodesBackToTheRequest_withEscapesAndStandardBase64() throws {
        for count in [0, 1, 2, 3, 4, 5, 1000, 1001, 1002] {
            let image = Self.jpeg(count, seed: UInt64(count))
            let name = "Zhang \"San\" \\ \u{01}\n丰"
            let bytes = IdentityVerificationRequest.body(
                transactionID: "K-1-20261201-ABC", attempt: 2, idNumber: Self.idNumber, name: name, jpeg: image)
            let decoded = try JSONDecoder().decode(IdentityVerificationRequest.self, from: Data(bytes))
            #expect(
                decoded
                    == IdentityVerificationRequest(
                        transactionID: "K-1-20261201-ABC", attempt: 2, idNumber: Self.idNumber, name: name,
                        image: Data(image).base64EncodedString()))
            let reserved = IdentityVerificationRequest.capacity(
                transactionID: "K-1-20261201-ABC", idNumber: Self.idNumber, name: name, imageBytes: image.count)
            #expect(bytes.count <= reserved)
        }
    }

    /// The worst case for the reserved buffer: every character of the texts escaped, the largest attempt.
    @Test func body_neverOutgrowsTheBufferReservedForIt() {
        let controls = String(repeating: "\u{01}", count: 64)
        let image = Self.jpeg(IdentityVerificationWire.maximumImageBytes)
        let bytes = IdentityVerificationRequest.body(
            transactionID: controls, attempt: Int.min, idNumber: controls, name: controls, jpeg: image)
        let reserved = IdentityVerificationRequest.capacity(
            transactionID: controls, idNumber: controls, name: controls, imageBytes: image.count)
        #expect(bytes.count <= reserved)
        #expect(reserved - bytes.count < 128)
    }

    @Test func outcome_ofEachAnswer() {
        let cases: [(Int, String, FaceVerificationOutcome)] = [
            (200, #"{"decision":"match","score":1}"#, .decided(.match, score: 1)),
            (200, #"{"decision":"noMatch","score":0}"#, .decided(.noMatch, score: 0)),
            (200, #"{"decision":"noMatch","score":0.4,"extra":true}"#, .decided(.noMatch, score: 0.4)),
            (200, #"{"decision":"match","score":1.01}"#, .unavailable(reason: "bad-answer")),
            (200, #"{"decision":"match","score":-0.1}"#, .unavailable(reason: "bad-answer")),
            (200, #"{"decision":"match","score":"0.9"}"#, .unavailable(reason: "bad-answer")),
            (200, #"{"decision":"match"}"#, .unavailable(reason: "bad-answer")),
            (200, #"{"decision":"maybe","score":0.5}"#, .unavailable(reason: "bad-answer")),
            (200, "not json", .unavailable(reason: "bad-answer")),
            (200, "", .unavailable(reason: "bad-answer")),
            (204, "", .unavailable(reason: "bad-answer")),
            (302, "", .unavailable(reason: "bad-answer")),
            (401, "{}", .unavailable(reason: "http-401")),
            (500, #"{"decision":"match","score":1}"#, .unavailable(reason: "http-500")),
            (503, "", .unavailable(reason: "http-503")),
        ]
        for (status, body, expected) in cases {
            #expect(
                CentralIdentityVerifier.outcome(status: status, body: Array(body.utf8)) == expected, "\(status) \(body)"
            )
        }
        let padded = #"{"decision":"match","score":1,"pad":""# + String(repeating: "x", count: 16 * 1024) + "\"}"
        #expect(
            CentralIdentityVerifier.outcome(status: 200, body: Array(padded.utf8)) == .unavailable(reason: "bad-answer")
        )
        #expect(CentralIdentityVerifier.reason(.timedOut) == "timeout")
        #expect(CentralIdentityVerifier.reason(.untrustedPeer) == "tls-failed")
        #expect(CentralIdentityVerifier.reason(.connect) == "connect-failed")
        #expect(CentralIdentityVerifier.reason(.responseTooLarge) == "bad-answer")
    }

    @Test func config_isHTTPSOnly_withABoundedTimeout_andTheCentralLinksTrust() throws {
        let base: [String: Any] = ["url": "https://centre.example/identity/v1/verify", "tokenFile": "/etc/kioskd/id"]
        func parse(_ identity: [String: Any]) throws(ConfigError) -> IdentityConfig? {
            try DaemonConfigTests.parse(["kioskID": "K-1", "central": ["identity": identity]]).central.identity
        }
        let parsed = try #require(try parse(base))
        #expect(parsed.timeout == .seconds(10))
        #expect(parsed.verification == .systemTrust)
        #expect(parsed.url.host == "centre.example" && parsed.url.port == 443)
        let pinned = try #require(
            try parse(
                base.merging(["tls": ["pinSHA256": String(repeating: "AB", count: 32)], "timeoutSeconds": 5]) { $1 }))
        #expect(pinned.verification == PeerVerification.pin(hex: String(repeating: "ab", count: 32)))
        #expect(pinned.timeout == .seconds(5))
        let refused: [([String: Any], String, String)] = [
            (base.merging(["url": "http://centre.example/v"]) { $1 }, "central.identity.url", "https://"),
            (base.merging(["url": "centre.example"]) { $1 }, "central.identity.url", "https://"),
            (base.merging(["timeoutSeconds": 0]) { $1 }, "central.identity.timeoutSeconds", "1...25"),
            (base.merging(["timeoutSeconds": 26]) { $1 }, "central.identity.timeoutSeconds", "1...25"),
            (base.merging(["tls": ["pinSHA256": "abc"]]) { $1 }, "central.identity.tls.pinSHA256", "64 hex digits"),
            (base.merging(["model": "x"]) { $1 }, "central.identity.model", "unknown key"),
            (["url": "https://centre.example/"], "central.identity.tokenFile", "missing"),
        ]
        for (identity, key, expected) in refused {
            let error = #expect(throws: ConfigError.self) { try parse(identity) }
            #expect(error?.keyPath == key, "\(identity)")
            #expect(error?.problem.contains(expected) == true, "\(error?.problem ?? "no error")")
        }
    }

    @Test func checkConfig_refusesAPlainHTTPIdentityURL_namingTheKey() throws {
        let dir = try TemporaryDirectory("identity-check-config")
        defer { dir.remove() }
        func check(_ url: String) throws -> ProcessRunner.Result {
            let file = dir.url.appendingPathComponent("kioskd-\(UUID().uuidString.prefix(6)).json")
            let config: [String: Any] = [
                "kioskID": "K-1", "authority": ["mode": "embedded"],
                "central": ["identity": ["url": url, "tokenFile": "/etc/kioskd/identity-token"]],
            ]
            try JSONSerialization.data(withJSONObject: config).write(to: file)
            return try ProcessRunner.run("kioskd", ["--check-config", file.path])
        }
        let plain = try check("http://centre.example/identity/v1/verify")
        #expect(plain.status == 1)
        #expect(plain.stderr.contains("central.identity.url"), "\(plain.stderr)")
        let valid = try check("https://centre.example/identity/v1/verify")
        #expect(valid.status == 0, "\(valid.stderr)")
    }
}
