import Foundation
import Glibc
import KioskCore
import KioskHTTP
import KioskIO
import KioskStore
import Testing

/// The central simulator as a real process (`kioskctl simulate central`, its own TLS credentials).
final class CentralSimulatorProcess {
    let child: ChildProcess
    let url: String
    let control: String
    let certificateSHA256: String
    let token: String

    init(directory: URL, arguments: [String] = []) throws {
        token = "push-token-\(UUID().uuidString)"
        let tokenFile = directory.appendingPathComponent("sim-token")
        try Data(token.utf8).write(to: tokenFile)
        child = try ChildProcess(
            ProcessRunner.executable("kioskctl").path,
            [
                "simulate", "central", "--listen", "127.0.0.1:0", "--dir",
                directory.appendingPathComponent("sim-tls").path,
                "--token-file", tokenFile.path,
            ] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForOutput(containing: "}\n", deadline: .after(seconds: 30)),
            let line = child.output.split(separator: "\n").first(where: { $0.hasPrefix("{") }),
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let url = object["url"] as? String, let control = object["control"] as? String,
            let fingerprint = object["certificateSHA256"] as? String
        else {
            child.stop()
            throw DaemonProcess.Failure(description: "the central simulator did not start: \(child.output)")
        }
        self.url = url
        self.control = control
        certificateSHA256 = fingerprint
    }

    deinit { child.stop() }

    /// `central.push` for kioskd, pinned to this simulator's certificate.
    func pushConfig(directory: URL, batchSize: Int = 100, timeoutSeconds: Int = 30) throws -> [String: Any] {
        let tokenFile = directory.appendingPathComponent("push-token")
        try Data(token.utf8).write(to: tokenFile)
        _ = chmod(tokenFile.path, 0o600)
        return [
            "url": url + "/v1/events", "tokenFile": tokenFile.path, "tls": ["pinSHA256": certificateSHA256],
            "batchSize": batchSize, "timeoutSeconds": timeoutSeconds,
        ]
    }

    private func curl(_ arguments: [String]) throws -> [String: Any] {
        let curl = try ChildProcess("/usr/bin/curl", ["-s"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard curl.waitForExit(deadline: .after(seconds: 30)), curl.exitStatus == 0 else {
            curl.stop()
            throw DaemonProcess.Failure(description: "curl \(arguments) failed")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(curl.output.utf8)) as? [String: Any] else {
            throw DaemonProcess.Failure(description: "not JSON: \(curl.output)")
        }
        return object
    }

    @discardableResult
    func setMode(_ mode: [String: Any]) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: mode)
        return try curl(["-d", String(decoding: body, as: UTF8.self), control + "/sim/mode"])
    }

    /// What arrived; with `summary`, the counts without the list of events.
    func received(summary: Bool = false) throws -> [String: Any] {
        try curl([control + "/sim/received" + (summary ? "?summary" : "")])
    }

    /// Polls `/sim/received` until `condition` holds; the last answer either way.
    func waitForReceived(
        _ deadline: Deadline, summary: Bool = false, _ condition: ([String: Any]) -> Bool
    ) throws -> [String: Any] {
        while true {
            let now = try received(summary: summary)
            if condition(now) || deadline.hasPassed { return now }
            usleep(100_000)
        }
    }
}

extension [String: Any] {
    var unique: Int { self["unique"] as? Int ?? -1 }
    var posts: Int { self["posts"] as? Int ?? -1 }
    func answered(_ status: Int) -> Int { (self["answered"] as? [String: Any])?[String(status)] as? Int ?? 0 }
    var eventIDs: [String] { (self["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }
    var deliveries: [Int] { (self["events"] as? [[String: Any]] ?? []).compactMap { $0["deliveries"] as? Int } }
}

/// kioskd pushing to the central simulator, both real processes over real TLS (the certificate pinned).
@Suite(.serialized) struct DaemonPushTests {
    private func seed(_ directory: URL, _ ids: [String]) throws {
        // Beside a running kioskd too: a second connection to the same SQLite file, as another process would.
        let store = try TransactionStore.open(path: TransactionStore.path(inStateDirectory: directory.path))
        for id in ids { try store.complete(DaemonStoreTests.record(id, endedAgo: 60)) }
        store.close()
    }

    private func startKioskd(_ directory: URL, push: [String: Any]) throws -> DaemonProcess {
        try DaemonProcess(stateDirectory: directory, config: ["kioskID": "PUSH-01", "central": ["push": push]])
    }

    private func cursor(_ directory: URL) throws -> (acked: Int64, last: Int64) {
        let store = try TransactionStore.open(
            path: TransactionStore.path(inStateDirectory: directory.path),
            options: .init(readOnly: true, checkIntegrityAtOpen: false))
        defer { store.close() }
        return try store.outboxCursor()
    }

    private func pushStatus(_ daemon: DaemonProcess) throws -> [String: Any] {
        let status = try ControlConnection(path: daemon.statusSocket).request(["command": "status"])
        return (status["central"] as? [String: Any])?["push"] as? [String: Any] ?? [:]
    }

    @Test func completions_arriveExactlyOnce_andNewOnesWithinTwoSeconds() throws {
        let directory = try TemporaryDirectory("kioskd-push")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        try seed(directory.url, ["T-1", "T-2", "T-3"])
        let daemon = try startKioskd(directory.url, push: try centre.pushConfig(directory: directory.url))

        let first = try centre.waitForReceived(.after(seconds: 20)) { $0.unique >= 3 }
        #expect(Set(first.eventIDs) == ["T-1", "T-2", "T-3"])
        #expect(first.deliveries.allSatisfy { $0 == 1 })
        let acked = Deadline.after(seconds: 10)
        while try cursor(directory.url).acked < 3 && !acked.hasPassed { usleep(50_000) }
        #expect(try cursor(directory.url) == (3, 3))

        try seed(directory.url, ["T-4", "T-5"])
        let added = ContinuousClock.now
        let second = try centre.waitForReceived(.after(seconds: 10)) { $0.unique >= 5 }
        #expect(ContinuousClock.now - added < .seconds(2))
        #expect(second.unique == 5)
        #expect(second.deliveries.allSatisfy { $0 == 1 })

        let status = try pushStatus(daemon)
        #expect(status["pushedEvents"] as? Int == 5)
        #expect(status["state"] as? String == "idle")
        #expect(status["lastSuccess"] is String)
        #expect(!daemon.output.contains(centre.token))
    }

    @Test func centreDownThenUp_everythingDelivered_noneMissing_duplicatesRecognisable() throws {
        let directory = try TemporaryDirectory("kioskd-push-down")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url, arguments: ["--push", "down"])
        let ids = (1...250).map { "T-\($0)" }
        try seed(directory.url, ids)
        // A 2 s answer against a 1 s deadline: the centre records a batch kioskd never sees acknowledged.
        let daemon = try startKioskd(
            directory.url, push: try centre.pushConfig(directory: directory.url, batchSize: 100, timeoutSeconds: 1))
        let failing = Deadline.after(seconds: 20)
        while (try pushStatus(daemon)["failedAttempts"] as? Int ?? 0) < 1 && !failing.hasPassed { usleep(100_000) }
        #expect(try pushStatus(daemon)["state"] as? String == "backingOff")
        #expect(try centre.received().posts == 0)

        try centre.setMode(["push": "slow", "slowSeconds": 2.0])
        let slow = try centre.waitForReceived(.after(seconds: 30)) { $0.unique >= 100 }
        #expect(slow.unique >= 100)
        try centre.setMode(["push": "normal"])
        let all = try centre.waitForReceived(.after(seconds: 60)) { $0.unique >= 250 && $0.posts > 0 }
        #expect(Set(all.eventIDs) == Set(ids))
        #expect(all.unique == 250)
        // The slow round was delivered more than once, and the centre could tell.
        #expect(all["redeliveries"] as? Int ?? 0 >= 100)
        let acked = Deadline.after(seconds: 10)
        while try cursor(directory.url).acked < 250 && !acked.hasPassed { usleep(50_000) }
        #expect(try cursor(directory.url) == (250, 250))
    }

    @Test func killedBetweenSendAndAck_redeliversAfterRestart_andTheCentreSeesTheDuplicates() throws {
        let directory = try TemporaryDirectory("kioskd-push-kill")
        defer { directory.remove() }
        // The centre reads the batch, waits 3 s, then records and answers it: kioskd dies in between.
        let centre = try CentralSimulatorProcess(directory: directory.url, arguments: ["--push", "slow"])
        try centre.setMode(["slowSeconds": 3.0])
        try seed(directory.url, ["T-1", "T-2", "T-3"])
        let push = try centre.pushConfig(directory: directory.url)
        let first = try startKioskd(directory.url, push: push)
        let sent = try centre.waitForReceived(.after(seconds: 20)) { $0["started"] as? Int ?? 0 >= 1 }
        #expect(sent.posts == 0)
        first.child.signal(SIGKILL)
        #expect(first.child.waitForExit(deadline: .after(seconds: 10)))
        let recorded = try centre.waitForReceived(.after(seconds: 20)) { $0.unique >= 3 }
        #expect(recorded.unique == 3)
        #expect(try cursor(directory.url) == (0, 3))

        try centre.setMode(["push": "normal"])
        let second = try startKioskd(directory.url, push: push)
        let again = Deadline.after(seconds: 20)
        while try cursor(directory.url).acked < 3 && !again.hasPassed { usleep(50_000) }
        #expect(try cursor(directory.url) == (3, 3))
        let seen = try centre.received()
        #expect(seen.unique == 3)
        #expect(seen.deliveries == [2, 2, 2])
        #expect(seen["redeliveries"] as? Int == 3)
        _ = second
    }

    @Test func serverErrorsAndTooManyRequests_areRetried() throws {
        let directory = try TemporaryDirectory("kioskd-push-retry")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url, arguments: ["--push", "500"])
        try seed(directory.url, ["T-1", "T-2"])
        let daemon = try startKioskd(directory.url, push: try centre.pushConfig(directory: directory.url))
        let errors = try centre.waitForReceived(.after(seconds: 20)) { $0.answered(500) >= 2 }
        #expect(errors.answered(500) >= 2)
        #expect(errors.unique == 0)
        #expect(try cursor(directory.url).acked == 0)

        try centre.setMode(["push": "429", "retryAfter": 2])
        let limited = try centre.waitForReceived(.after(seconds: 30)) { $0.answered(429) >= 2 }
        #expect(limited.answered(429) >= 2)
        // Each push after a 429 waited at least its Retry-After (2 s), whatever the jitter drew.
        let log = (limited["answerLog"] as? [[String: Any]] ?? []).compactMap { entry -> (Int, Int)? in
            guard let status = entry["status"] as? Int, let at = entry["atMilliseconds"] as? Int else { return nil }
            return (status, at)
        }
        let gaps = zip(log, log.dropFirst()).filter { $0.0.0 == 429 }.map { $0.1.1 - $0.0.1 }
        #expect(!gaps.isEmpty)
        #expect(gaps.allSatisfy { $0 >= 1900 }, "gaps after 429: \(gaps)")
        try centre.setMode(["push": "normal"])
        let done = try centre.waitForReceived(.after(seconds: 30)) { $0.unique >= 2 }
        #expect(Set(done.eventIDs) == ["T-1", "T-2"])
        #expect(done.deliveries.allSatisfy { $0 == 1 })
        #expect(try pushStatus(daemon)["healthReason"] == nil)
    }

    /// The centre stores a batch but the connection is reset (RST) in the middle of its answer: kioskd cannot know
    /// it arrived, keeps it unacknowledged, re-delivers it, and the centre recognises the repeats by source + id.
    @Test func connectionResetMidResponse_isRedelivered_andDeduplicated() throws {
        let directory = try TemporaryDirectory("kioskd-push-reset")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url, arguments: ["--push", "reset"])
        try seed(directory.url, ["T-1", "T-2"])
        let daemon = try startKioskd(directory.url, push: try centre.pushConfig(directory: directory.url))
        let reset = try centre.waitForReceived(.after(seconds: 20)) { ($0["resets"] as? Int ?? 0) >= 2 }
        #expect(reset["resets"] as? Int ?? 0 >= 2, "\(reset)")
        #expect(Set(reset.eventIDs) == ["T-1", "T-2"])
        #expect(reset.deliveries.allSatisfy { $0 >= 2 }, "re-delivered after the reset: \(reset)")
        #expect(try cursor(directory.url).acked == 0)
        let failure = try pushStatus(daemon)["lastError"] as? String
        #expect(failure != nil)

        try centre.setMode(["push": "normal"])
        let done = try centre.waitForReceived(.after(seconds: 30)) { $0.answered(200) >= 1 }
        #expect(done.unique == 2, "\(done)")
        #expect(Set(done.eventIDs) == ["T-1", "T-2"])
        let acked = try DaemonStatus.waitFor(.after(seconds: 10)) { try cursor(directory.url).acked == 2 ? true : nil }
        #expect(acked == true)
        #expect((done["redeliveries"] as? Int ?? 0) >= 2)
    }

    @Test func badRequest_stopsPushing_keepsTheBatch_andRaisesCentralRejected() throws {
        let directory = try TemporaryDirectory("kioskd-push-400")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url, arguments: ["--push", "400"])
        try seed(directory.url, ["T-1", "T-2"])
        let daemon = try startKioskd(directory.url, push: try centre.pushConfig(directory: directory.url))
        let rejected = Deadline.after(seconds: 20)
        while try pushStatus(daemon)["healthReason"] == nil && !rejected.hasPassed { usleep(100_000) }
        let status = try pushStatus(daemon)
        #expect(status["healthReason"] as? String == "central-rejected")
        #expect(status["state"] as? String == "rejected")
        #expect((status["rejected"] as? String)?.contains("HTTP 400") == true)
        let text = try ProcessRunner.run("kioskctl", ["--socket", daemon.statusSocket, "status"])
        #expect(text.stdout.contains("push: \(centre.url)/v1/events rejected"))
        #expect(text.stdout.contains("(central-rejected)"))
        #expect(try cursor(directory.url) == (0, 2))

        // Nothing more is sent, even once the centre would accept it: the batch waits for a person.
        try centre.setMode(["push": "normal"])
        try seed(directory.url, ["T-3"])
        #expect(daemon.child.waitForOutput(containing: "rejected the push", deadline: .after(seconds: 5)))
        let later = try centre.waitForReceived(.after(seconds: 3)) { $0.posts > 1 }
        #expect(later.posts == 1)
        #expect(try cursor(directory.url) == (0, 3))
    }

    @Test func tokenFileReadableByOthers_isRefusedAtStart() throws {
        let directory = try TemporaryDirectory("kioskd-push-token")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        var push = try centre.pushConfig(directory: directory.url)
        _ = chmod(push["tokenFile"] as! String, 0o644)
        push["batchSize"] = 10
        let error = #expect(throws: DaemonProcess.Failure.self) { _ = try startKioskd(directory.url, push: push) }
        #expect(error?.description.contains("must be a file of this user with mode 0600") == true)
        #expect(error?.description.contains(centre.token) == false)
    }
}

/// Peer verification against the simulator as a process of its own, with a CA-issued chain.
@Suite(.serialized) struct CentralTLSVerificationTests {
    /// A test CA and a certificate it issued for the simulator (leaf then CA in the .crt, as a server sends its
    /// chain); returns the CA's DER SHA-256.
    private func issueChain(into directory: URL) throws -> String {
        let tls = directory.appendingPathComponent("sim-tls")
        try FileManager.default.createDirectory(at: tls, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(directory.path)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
              -subj '/CN=kioskd test CA' -days 2 -addext basicConstraints=critical,CA:TRUE \
              -addext keyUsage=critical,keyCertSign 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout leaf.key -out leaf.csr \
              -subj '/CN=central-simulator' 2>/dev/null
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > leaf.ext
            openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out leaf.crt -days 2 \
              -extfile leaf.ext 2>/dev/null
            cat leaf.crt ca.crt > sim-tls/central-simulator.crt
            cp leaf.key sim-tls/central-simulator.key
            openssl x509 -in ca.crt -outform DER | sha256sum | cut -c1-64
            """
        let child = try ChildProcess("/bin/sh", ["-c", script], environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: 30)), child.exitStatus == 0 else {
            child.stop()
            throw DaemonProcess.Failure(description: "openssl failed: \(child.output)")
        }
        return child.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func events(_ id: String) -> [UInt8] {
        Array("[{\"specversion\":\"1.0\",\"id\":\"\(id)\",\"source\":\"urn:kioskd:T\",\"type\":\"t\"}]".utf8)
    }

    @Test func pinOfTheIssuingCA_isAccepted_aLeafPinToo_anotherRefused() throws {
        let directory = try TemporaryDirectory("central-chain")
        defer { directory.remove() }
        let caPin = try issueChain(into: directory.url)
        let centre = try CentralSimulatorProcess(directory: directory.url)
        #expect(centre.certificateSHA256 != caPin)
        let url = try #require(HTTPSURL(centre.url + "/v1/events"))
        for (pin, id) in [(caPin, "by-ca"), (centre.certificateSHA256, "by-leaf")] {
            let response = try HTTPClient.send(
                .post, url, contentType: "application/cloudevents-batch+json", bearerToken: centre.token,
                body: events(id), verification: try #require(PeerVerification.pin(hex: pin)),
                deadline: .after(seconds: 20))
            #expect(response.status == 200)
        }
        let error = #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient.send(
                .post, url, contentType: "application/cloudevents-batch+json", bearerToken: centre.token,
                body: events("refused"), verification: .pinSHA256([UInt8](repeating: 0, count: 32)),
                deadline: .after(seconds: 20))
        }
        #expect(error?.kind == .untrustedPeer)
        // A chain from a CA the system does not know is refused without a pin.
        let untrusted = #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient.send(
                .post, url, contentType: "application/cloudevents-batch+json", bearerToken: centre.token,
                body: events("unpinned"), verification: .systemTrust, deadline: .after(seconds: 20))
        }
        #expect(untrusted?.kind == .untrustedPeer)
        #expect(Set(try centre.received().eventIDs) == ["by-ca", "by-leaf"])
    }

    @Test func kioskdWithoutPin_refusesTheSelfSignedSimulator_andSendsNothing() throws {
        let directory = try TemporaryDirectory("kioskd-push-nopin")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        var push = try centre.pushConfig(directory: directory.url)
        push["tls"] = nil
        let store = try TransactionStore.open(path: TransactionStore.path(inStateDirectory: directory.url.path))
        try store.complete(DaemonStoreTests.record("T-1", endedAgo: 60))
        store.close()
        let daemon = try DaemonProcess(
            stateDirectory: directory.url, config: ["kioskID": "PUSH-01", "central": ["push": push]])
        #expect(daemon.child.waitForOutput(containing: "not trusted by the system", deadline: .after(seconds: 20)))
        let status = try ControlConnection(path: daemon.statusSocket).request(["command": "status"])
        let state = (status["central"] as? [String: Any])?["push"] as? [String: Any] ?? [:]
        #expect((state["lastError"] as? String)?.contains("refused") == true)
        #expect(try centre.received().posts == 0)
    }
}
