import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

/// The pull API served by kioskd as a real process, over real TLS with its self-signed certificate, driven by curl.
@Suite(.serialized) struct DaemonPullAPITests {
    static let token = "pull-token-\(UUID().uuidString)"

    private struct Listener {
        let port: Int
        let fingerprint: String
        let certificate: String
    }

    /// kioskd on a store seeded with `count` completed transactions, pulling on 127.0.0.1:0 with TLS.
    private func startKioskd(_ directory: URL, seeded count: Int, tls: Any? = nil) throws -> (DaemonProcess, Listener) {
        var pullConfig: [String: Any] = [
            "listen": "127.0.0.1:0", "tokenSHA256": [SHA256.hex(of: Array(Self.token.utf8))],
        ]
        if let tls { pullConfig["tls"] = tls }
        let store = try TransactionStore.open(path: TransactionStore.path(inStateDirectory: directory.path))
        for index in 1...count { try store.complete(DaemonStoreTests.record("T-\(index)", endedAgo: 60)) }
        store.close()
        let daemon = try DaemonProcess(
            stateDirectory: directory,
            config: [
                "kioskID": "PULL-01",
                "central": ["pull": pullConfig],
            ])
        // Logged just before READY=1; the output pipe may deliver it a moment later.
        #expect(daemon.child.waitForOutput(containing: "certificate SHA-256 ", deadline: .after(seconds: 10)))
        let line = try #require(
            daemon.output.components(separatedBy: "\n").first {
                $0.contains("pull API listening on https://127.0.0.1:")
            })
        let port = try #require(
            line.components(separatedBy: "https://127.0.0.1:").last.flatMap { Int($0.prefix { $0.isNumber }) })
        let fingerprint = try #require(line.components(separatedBy: "certificate SHA-256 ").last?.prefix(64))
        return (
            daemon,
            Listener(
                port: port, fingerprint: String(fingerprint),
                certificate: (tls as? [String: String])?["certificate"]
                    ?? directory.appendingPathComponent("tls/kioskd.crt").path)
        )
    }

    private func curl(_ listener: Listener, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let child = try ChildProcess(
            "/usr/bin/curl",
            ["-s", "--cacert", listener.certificate, "--resolve", "localhost:\(listener.port):127.0.0.1"] + arguments,
            environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: 30)) else {
            child.stop()
            throw DaemonProcess.Failure(description: "curl \(arguments) hung")
        }
        return (child.exitStatus ?? -1, child.output)
    }

    private func url(_ listener: Listener, _ path: String) -> String { "https://localhost:\(listener.port)\(path)" }

    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func pull_overTLS_pagesAcksAndRefusesBadTokens() throws {
        let directory = try TemporaryDirectory("kioskd-pull")
        defer { directory.remove() }
        let (daemon, listener) = try startKioskd(directory.url, seeded: 3)
        let auth = ["-H", "Authorization: Bearer \(Self.token)"]

        // The certificate curl verified is the one whose fingerprint kioskd logged.
        let shown = try curl(listener, ["-o", "/dev/null", "-w", "%{certs}", url(listener, "/healthz")])
        let pem =
            shown.output.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst().first?
            .components(separatedBy: "-----END CERTIFICATE-----").first?
            .filter { !$0.isWhitespace } ?? ""
        let der = try #require(Data(base64Encoded: pem))
        #expect(SHA256.hex(of: Array(der)) == listener.fingerprint)

        // kioskctl status names the listener and the certificate to pin.
        let status = try ControlConnection(path: daemon.statusSocket).request(["command": "status"])
        let pull = try #require((status["central"] as? [String: Any])?["pull"] as? [String: Any])
        #expect(pull["url"] as? String == "https://127.0.0.1:\(listener.port)")
        #expect(pull["certificateSHA256"] as? String == listener.fingerprint)
        let text = try ProcessRunner.run("kioskctl", ["--socket", daemon.statusSocket, "status"])
        #expect(
            text.stdout.contains(
                "pull API: https://127.0.0.1:\(listener.port), certificate SHA-256 \(listener.fingerprint)"))

        let health = try json(try curl(listener, [url(listener, "/healthz")]).output)
        #expect(health["outboxPending"] as? Int == 3)
        #expect(["ok", "degraded"].contains(health["status"] as? String ?? ""))

        let missing = try curl(listener, ["-i", url(listener, "/v1/transactions")])
        #expect(missing.output.hasPrefix("HTTP/1.1 401 "))
        #expect(missing.output.contains("WWW-Authenticate: Bearer realm=\"kioskd\"\r\n"))
        let wrong = try curl(
            listener,
            [
                "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer nope",
                url(listener, "/v1/transactions"),
            ])
        #expect(wrong.output == "401")

        let first = try json(try curl(listener, auth + [url(listener, "/v1/transactions?limit=2")]).output)
        #expect(first["kioskID"] as? String == "PULL-01")
        #expect(first["hasMore"] as? Bool == true)
        let events = try #require(first["transactions"] as? [[String: Any]])
        #expect(events.map { $0["id"] as? String } == ["T-1", "T-2"])
        #expect(
            events.allSatisfy {
                $0["specversion"] as? String == "1.0" && $0["source"] as? String == "urn:kioskd:PULL-01"
            })
        let data = try #require(events.first?["data"] as? [String: Any])
        #expect(data["outcome"] as? String == "completed")
        #expect((data["applicant"] as? [String: Any])?["idNumber"] as? String == DaemonStoreTests.idNumber)
        let next = try #require(first["next"] as? Int)
        #expect(next == events.last?["seq"] as? Int)
        let rest = try json(try curl(listener, auth + [url(listener, "/v1/transactions?after=\(next)")]).output)
        #expect((rest["transactions"] as? [[String: Any]])?.map { $0["id"] as? String } == ["T-3"])
        #expect(rest["hasMore"] as? Bool == false)
        let last = try #require(rest["next"] as? Int)

        let bad = try curl(
            listener, auth + ["-o", "/dev/null", "-w", "%{http_code}", url(listener, "/v1/transactions?limit=1001")])
        #expect(bad.output == "400")

        func ack(_ upTo: Int) throws -> (status: Int32, output: String) {
            try curl(
                listener,
                auth + [
                    "-w", "\n%{http_code}", "-H", "Content-Type: application/json", "--data-binary",
                    "{\"upTo\": \(upTo)}",
                    url(listener, "/v1/transactions/ack"),
                ])
        }
        #expect(try ack(next).output == "{\"acked\":\(next)}\n200")
        #expect(try ack(next).output == "{\"acked\":\(next)}\n200")
        #expect(try ack(next - 1).output == "{\"acked\":\(next)}\n200")
        #expect(try ack(last + 1).output.hasSuffix("\n409"))
        // Pulling is by cursor, never destructive: acknowledged events are still served.
        let again = try json(try curl(listener, auth + [url(listener, "/v1/transactions")]).output)
        #expect((again["transactions"] as? [Any])?.count == 3)

        #expect(daemon.terminate() == 0)
        #expect(!daemon.output.contains(Self.token))
        let store = try TransactionStore.open(path: TransactionStore.path(inStateDirectory: directory.url.path))
        defer { store.close() }
        let cursor = try store.outboxCursor()
        #expect(cursor.acked == Int64(next))
        #expect(cursor.last == Int64(last))
    }

    @Test func configuredCertificate_isServedAndItsFingerprintLogged() throws {
        let directory = try TemporaryDirectory("kioskd-pullcert")
        defer { directory.remove() }
        let certificate = directory.url.appendingPathComponent("centre-issued.crt").path
        let key = directory.url.appendingPathComponent("centre-issued.key").path
        let openssl = try ChildProcess(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", certificate, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            ], environment: ["PATH": "/usr/bin:/bin"])
        #expect(openssl.waitForExit(deadline: .after(seconds: 30)))
        #expect(openssl.exitStatus == 0, "\(openssl.output)")
        let pem = try String(contentsOfFile: certificate, encoding: .utf8)
        let base64 = pem.components(separatedBy: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let fingerprint = SHA256.hex(of: Array(try #require(Data(base64Encoded: base64))))

        let (daemon, listener) = try startKioskd(
            directory.url, seeded: 1, tls: ["certificate": certificate, "key": key])
        #expect(listener.fingerprint == fingerprint)
        let health = try curl(listener, ["-o", "/dev/null", "-w", "%{http_code}", url(listener, "/healthz")])
        #expect(health.status == 0 && health.output == "200", "curl exit \(health.status)")
        let copiedKey = directory.url.appendingPathComponent("tls/kioskd-configured.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: copiedKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(daemon.terminate() == 0)
    }

    @Test func withoutCentralPull_nothingListens() throws {
        let directory = try TemporaryDirectory("kioskd-nopull")
        defer { directory.remove() }
        let daemon = try DaemonProcess(stateDirectory: directory.url, config: ["kioskID": "PULL-02"])
        #expect(daemon.child.waitForOutput(containing: "kioskd: ready in", deadline: .after(seconds: 10)))
        #expect(!daemon.output.contains("pull API"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("tls").path))
        #expect(daemon.terminate() == 0)
    }
}
