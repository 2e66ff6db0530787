import Foundation
import KioskCore
import KioskIO
import Testing

/// The touch UI served by kioskd as a real process (`--simulate`), driven by curl as the page would drive it
/// (docs/ui-api.md).
@Suite(.serialized) struct DaemonUITests {
    /// The resident sample card's number (IDReaderSampleCards.resident): it must never reach the page.
    static let fullIDNumber = "11010519491231002X"

    @Test func hostOriginAndContentType_areChecked() throws {
        let directory = try TemporaryDirectory("kioskd-ui-checks")
        defer { directory.remove() }
        let token = "ui-metrics-\(UUID().uuidString)"
        let (daemon, ui) = try UIEndpoint.start(
            directory.url,
            config: [
                "kioskID": "UI-01",
                "central": [
                    "pull": [
                        "listen": "127.0.0.1:0", "tls": "off", "tokenSHA256": [SHA256.hex(of: Array(token.utf8))],
                    ]
                ],
            ])
        defer { daemon.stop() }

        // DNS rebinding: a page of evil.example resolving to 127.0.0.1 sends its own Host.
        #expect(try ui.status(["-H", "Host: evil.example:\(ui.port)", ui.url("/ui/v1/state")]) == 421)
        #expect(try ui.status(["-H", "Host: evil.example:\(ui.port)", ui.url("/")]) == 421)
        #expect(try ui.status(["-H", "Host: 127.0.0.1:1", ui.url("/ui/v1/state")]) == 421)
        #expect(try ui.status(["-H", "Host: localhost:\(ui.port)", ui.url("/ui/v1/state")]) == 200)
        #expect(try ui.status([ui.url("/")]) == 200)
        let page = try ui.curl([ui.url("/")])
        #expect(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">"))
        for asset in ["/kiosk.css", "/kiosk.js", "/strings.js"] { #expect(try ui.status([ui.url(asset)]) == 200) }
        #expect(try ui.status([ui.url("/nothing-here")]) == 404)
        #expect(try ui.status(["-X", "POST", "-d", "{}", ui.url("/ui/v1/state")]) == 405)

        let start = #"{"event":"start"}"#
        let json = ["-H", "Content-Type: application/json"]
        #expect(try ui.status(json + ["-d", start, ui.url("/ui/v1/events")]) == 403)
        #expect(
            try ui.status(
                json + ["-H", "Origin: http://evil.example:\(ui.port)", "-d", start, ui.url("/ui/v1/events")]) == 403)
        #expect(
            try ui.status(
                json + ["-H", "Origin: http://127.0.0.1:\(ui.port + 1)", "-d", start, ui.url("/ui/v1/events")]) == 403)
        #expect(
            try ui.status([
                "-H", "Origin: \(ui.origin)", "-H", "Content-Type: text/plain", "-d", start, ui.url("/ui/v1/events"),
            ]) == 415)
        #expect(try ui.status(["-H", "Origin: \(ui.origin)", "-d", start, ui.url("/ui/v1/events")]) == 415)
        // Refused requests changed nothing.
        #expect(try ui.state()["screen"] as? String == "welcome")

        let badField = try ui.event(["event": "confirm", "declarationAccepted": "yes"])
        #expect(badField.code == 400)
        #expect((badField.body["detail"] as? String)?.hasPrefix("declarationAccepted: expected true or false") == true)
        let unknown = try ui.event(["event": "dance"])
        #expect(unknown.code == 400)
        #expect((unknown.body["detail"] as? String)?.hasPrefix("event: unknown event") == true)
        let nested = try ui.event(["event": "submitForm", "form": ["kind": "company", "name": 7]])
        #expect(nested.code == 400)
        #expect((nested.body["detail"] as? String)?.hasPrefix("form.name: expected a string") == true)
        let notNow = try ui.event(["event": "confirmIdentity"])
        #expect(notNow.code == 409)
        #expect(notNow.body["refusal"] as? String == "notApplicable")
        #expect((notNow.body["state"] as? [String: Any])?["screen"] as? String == "welcome")
        let staff = try ui.event(["event": "callStaff"])
        #expect(staff.code == 409)

        // The UI's routes are counted by template, refusals too.
        let metrics = try ui.metrics(daemon)
        #expect(metrics.contains(#"kioskd_http_requests_total{route="/ui/v1/state",code="421"} 2"#))
        #expect(metrics.contains(#"kioskd_http_requests_total{route="/ui/v1/events",code="403"} 3"#))
        #expect(metrics.contains(#"kioskd_http_requests_total{route="/ui/v1/events",code="415"} 2"#))
        #expect(metrics.contains(#"kioskd_http_requests_total{route="ui-unmatched",code="404"} 1"#))
    }

    @Test func happyPath_byEvents_streamFollowsAndNeverShowsTheFullIDNumber() throws {
        let directory = try TemporaryDirectory("kioskd-ui-happy")
        defer { directory.remove() }
        let (daemon, ui) = try UIEndpoint.start(directory.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let stream = try ui.openStream()
        defer { stream.stop() }

        // The stream begins with the full state, its id the state's version.
        #expect(stream.waitForOutput(containing: "event: state", deadline: .after(seconds: 10)))
        let first = try #require(SSE.events(stream.output).first)
        #expect(first.event == "state")
        let firstState = try first.json()
        #expect(first.id == (firstState["version"] as? Int).map(String.init))
        #expect(firstState["screen"] as? String == "welcome")

        let started = try ui.event(["event": "start", "elderly": true])
        #expect(started.code == 200)
        let startedState = try #require(started.body["state"] as? [String: Any])
        #expect(startedState["screen"] as? String == "placeCard")
        #expect(startedState["elderly"] as? Bool == true)
        #expect(startedState["deadline"] is String)
        let transactionID = try #require(startedState["transactionID"] as? String)
        // The change arrives on the stream as a state event of its own.
        #expect(stream.waitForOutput(containing: #""screen":"placeCard""#, deadline: .after(seconds: 10)))

        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "verifyingIdentity")
        #expect(stream.waitForOutput(containing: #""screen":"confirmIdentity""#, deadline: .after(seconds: 10)))
        let identity = try #require(try ui.state()["identity"] as? [String: Any])
        #expect(identity["maskedIDNumber"] as? String == "1101**********002X")
        #expect(identity["name"] as? String == "张三丰")

        #expect(try ui.event(["event": "confirmIdentity"]).code == 200)
        let refused = try ui.event(["event": "submitForm", "form": UIEndpoint.form(name: "短")])
        #expect(refused.code == 422)
        #expect((refused.body["issues"] as? [[String: Any]])?.first?["field"] as? String == "name")
        #expect(((refused.body["state"] as? [String: Any])?["formIssues"] as? [Any])?.isEmpty == false)
        let submitted = try ui.event(["event": "submitForm", "form": UIEndpoint.form(name: "北京某某科技有限公司")])
        #expect((submitted.body["state"] as? [String: Any])?["screen"] as? String == "signature")

        let trivial = try ui.event([
            "event": "sign", "image": SignatureImage.dataURL, "ink": SignatureImage.ink(points: 3),
        ])
        #expect(trivial.code == 422)
        #expect((trivial.body["issues"] as? [[String: Any]])?.first?["field"] as? String == "signature")
        let signed = try ui.event([
            "event": "sign", "image": SignatureImage.dataURL, "ink": SignatureImage.ink(points: 80),
        ])
        #expect((signed.body["state"] as? [String: Any])?["screen"] as? String == "declaration")
        #expect(try ui.event(["event": "confirm", "declarationAccepted": false]).code == 422)
        #expect(try ui.event(["event": "confirm", "declarationAccepted": true]).code == 200)

        try admin.wait(for: "rating", timeout: .seconds(60))
        #expect(stream.waitForOutput(containing: #""screen":"rating""#, deadline: .after(seconds: 10)))
        let rating = try ui.state()
        #expect((rating["progress"] as? [String: Any])?["licence"] as? String == "printed")
        #expect(try ui.event(["event": "rate", "grade": 4, "reasons": ["attitude"]]).code == 422)
        #expect(try ui.event(["event": "rate", "grade": 5]).code == 200)
        #expect(stream.waitForOutput(containing: #""screen":"done""#, deadline: .after(seconds: 20)))
        let done = try #require(try ui.state()["done"] as? [String: Any])
        #expect(done["transactionID"] as? String == transactionID)
        #expect(done["enterpriseName"] as? String == "北京某某科技有限公司")

        // Everything the page was sent: the states, the notices, the answers — never the full number.
        let sent = stream.output
        #expect(!sent.contains(Self.fullIDNumber))
        #expect(sent.contains(#"{"kind":"cardRead"}"#))
        #expect(sent.contains(#""what":"licence""#))
        let versions = SSE.events(sent).filter { $0.event == "state" }.compactMap { $0.id.flatMap(Int.init) }
        #expect(versions == Array(versions.sorted()) && Set(versions).count == versions.count)
    }

    @Test func aRefusedCard_showsOnThePlaceCardScreenWithItsCode() throws {
        let directory = try TemporaryDirectory("kioskd-ui-card")
        defer { directory.remove() }
        let (daemon, ui) = try UIEndpoint.start(directory.url)
        defer { daemon.stop() }
        let stream = try ui.openStream()
        defer { stream.stop() }
        #expect(try ui.event(["event": "start"]).code == 200)
        try daemon.admin().sim("place-card", ["card": "expired"])
        #expect(
            stream.waitForOutput(
                containing: #"{"kind":"cardError","reason":"card-expired"}"#, deadline: .after(seconds: 20)))
        #expect(stream.output.contains(#"{"kind":"cardDetected"}"#))
        let state = try ui.state()
        #expect(state["screen"] as? String == "placeCard")
        let card = try #require(state["card"] as? [String: Any])
        #expect(card["lastError"] as? String == "card-expired")
        #expect(card["attemptsLeft"] as? Int == 2)
        // What staff do on admin.sock shows on the screen.
        let staff = try daemon.admin().request(["command": "staff", "staffID": "S-7", "action": "extend-time"])
        #expect(staff["applied"] as? Bool == true)
        #expect(
            stream.waitForOutput(
                containing: #"{"action":"extend-time","kind":"staffAction"}"#, deadline: .after(seconds: 10)))
    }

    @Test func restartMidForm_aNewStreamShowsTheResumedSession() throws {
        let directory = try TemporaryDirectory("kioskd-ui-restart")
        defer { directory.remove() }
        var (daemon, ui) = try UIEndpoint.start(directory.url)
        let started = try ui.event(["event": "start"])
        let transactionID = try #require((started.body["state"] as? [String: Any])?["transactionID"] as? String)
        try daemon.admin().sim("place-card", ["card": "resident"])
        try daemon.admin().wait(for: "verifyingIdentity")
        #expect(try ui.event(["event": "confirmIdentity"]).code == 200)
        #expect(try ui.state()["screen"] as? String == "form")
        daemon.kill9()

        (daemon, ui) = try UIEndpoint.start(directory.url)
        defer { daemon.stop() }
        let stream = try ui.openStream()
        defer { stream.stop() }
        #expect(stream.waitForOutput(containing: "event: state", deadline: .after(seconds: 10)))
        let resumed = try #require(try SSE.events(stream.output).first?.json())
        #expect(resumed["transactionID"] as? String == transactionID)
        #expect(resumed["screen"] as? String == "placeCard")
        #expect((resumed["card"] as? [String: Any])?["presentAgain"] as? Bool == true)
        // Nobody's name shows until the same card is placed again.
        #expect(resumed["identity"] is NSNull)
        try daemon.admin().sim("place-card", ["card": "resident"])
        #expect(stream.waitForOutput(containing: #""screen":"form""#, deadline: .after(seconds: 20)))
        #expect(!stream.output.contains(Self.fullIDNumber))
    }

    @Test func inhibit_takesTheTerminalOutOfServiceAcrossARestart_andReleaseBringsItBack() throws {
        let directory = try TemporaryDirectory("kioskd-ui-inhibit")
        defer { directory.remove() }
        var (daemon, ui) = try UIEndpoint.start(directory.url)
        let stream = try ui.openStream()
        defer { stream.stop() }
        let inhibited = try daemon.admin().request(["command": "inhibit", "reason": "更换打印纸"])
        #expect(inhibited["ok"] as? Bool == true)
        #expect(stream.waitForOutput(containing: #""screen":"outOfService""#, deadline: .after(seconds: 10)))
        let state = try ui.state()
        let outOfService = try #require(state["outOfService"] as? [String: Any])
        #expect(outOfService["reasons"] as? [String] == ["inhibited"])
        #expect(outOfService["message"] as? String == "更换打印纸")
        let refused = try ui.event(["event": "start"])
        #expect(refused.code == 409)
        #expect((refused.body["detail"] as? String)?.contains("out of service") == true)
        #expect((try daemon.admin().request(["command": "inhibit"]))["ok"] as? Bool == false)
        #expect(
            (try ControlConnection(path: daemon.statusSocket).request(["command": "inhibit", "reason": "x"]))["ok"]
                as? Bool == false)

        daemon.stop()
        #expect(stream.waitForExit(deadline: .after(seconds: 10)))
        (daemon, ui) = try UIEndpoint.start(directory.url)
        defer { daemon.stop() }
        #expect(try ui.state()["screen"] as? String == "outOfService")
        let status = try ControlConnection(path: daemon.statusSocket).request(["command": "status"])
        #expect(((status["ui"] as? [String: Any])?["inhibited"] as? [String: Any])?["reason"] as? String == "更换打印纸")
        let text = try ProcessRunner.run("kioskctl", ["--socket", daemon.statusSocket, "status"])
        #expect(text.stdout.contains("touch UI: http://127.0.0.1:\(ui.port)/"))
        #expect(text.stdout.contains("OUT OF SERVICE since"))
        #expect(text.stdout.contains("更换打印纸"))
        #expect((try daemon.admin().request(["command": "release"]))["wasInhibited"] as? Bool == true)
        #expect(try ui.state()["screen"] as? String == "welcome")
        #expect(try ui.event(["event": "start"]).code == 200)
    }

    @Test func walkAway_warnsWithACountdown_stillHereRestoresTheTime_thenBackToWelcome() throws {
        let directory = try TemporaryDirectory("kioskd-ui-walk")
        defer { directory.remove() }
        let (daemon, ui) = try UIEndpoint.start(
            directory.url,
            config: [
                "kioskID": "UI-01",
                "flow": ["timeoutsSeconds": ["awaitingCard": 4], "warningSeconds": 3, "endScreenSeconds": 0.5],
            ])
        defer { daemon.stop() }
        let stream = try ui.openStream()
        defer { stream.stop() }
        #expect(try ui.event(["event": "start"]).code == 200)
        #expect(stream.waitForOutput(containing: #""warning":true"#, deadline: .after(seconds: 10)))
        #expect(stream.output.contains(#"{"kind":"timeoutWarning","secondsLeft":3}"#))
        let warned = try ui.state()
        #expect(warned["warning"] as? Bool == true)
        #expect((warned["secondsLeft"] as? Int).map { $0 <= 3 } == true)
        let restored = try ui.event(["event": "stillHere"])
        #expect(restored.code == 200)
        let state = try #require(restored.body["state"] as? [String: Any])
        #expect(state["warning"] as? Bool == false)
        #expect((state["secondsLeft"] as? Int).map { $0 == 4 } == true)
        // Nobody comes back: the session ends and the screen returns to welcome, with its data gone.
        let cancelled = try #require(SSE.waitForScreen("cancelled", on: stream, after: 1))
        let version = try #require(cancelled["version"] as? Int)
        let welcome = try #require(SSE.waitForScreen("welcome", on: stream, after: version))
        #expect(welcome["transactionID"] is NSNull)
    }

    @Test func uiListen_offServesNothing_andANonLoopbackAddressIsAConfigError() throws {
        let directory = try TemporaryDirectory("kioskd-ui-config")
        defer { directory.remove() }
        let off = try DaemonProcess(
            stateDirectory: directory.url.appendingPathComponent("off"),
            config: ["kioskID": "UI-01", "ui": ["listen": "off"]])
        let status = try ControlConnection(path: off.statusSocket).request(["command": "status"])
        #expect((status["ui"] as? [String: Any])?["url"] as? String == "off")
        #expect(!off.output.contains("ui: http://"))
        off.stop()

        #expect(throws: DaemonProcess.Failure.self) {
            try DaemonProcess(
                stateDirectory: directory.url.appendingPathComponent("wide"),
                config: ["kioskID": "UI-01", "ui": ["listen": "0.0.0.0:8080"]], readyTimeout: 10)
        }
        let refused = try ProcessRunner.run(
            "kioskd",
            [
                "--simulate", "--no-cups", "--no-central", "--state-dir",
                directory.url.appendingPathComponent("wide").path,
                "--config", directory.url.appendingPathComponent("wide/kioskd.json").path,
            ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("ui.listen: '0.0.0.0' is not a loopback address"))
    }

    @Test func quietStream_sendsHeartbeats() throws {
        let directory = try TemporaryDirectory("kioskd-ui-heartbeat")
        defer { directory.remove() }
        let (daemon, ui) = try UIEndpoint.start(
            directory.url, config: ["kioskID": "UI-01", "ui": ["heartbeatMs": 200]])
        defer { daemon.stop() }
        let stream = try ui.openStream()
        defer { stream.stop() }
        #expect(stream.waitForOutput(containing: ": heartbeat\n\n: heartbeat\n\n", deadline: .after(seconds: 10)))
    }
}

/// The UI of one kioskd, reached with curl.
struct UIEndpoint {
    let port: Int

    var origin: String { "http://127.0.0.1:\(port)" }
    func url(_ path: String) -> String { origin + path }

    /// kioskd under `--simulate` with the UI on an ephemeral port (read from its `ui: http://…/` line).
    static func start(_ directory: URL, config: [String: Any]? = nil) throws -> (DaemonProcess, UIEndpoint) {
        let daemon = try DaemonProcess(stateDirectory: directory, config: config)
        guard daemon.child.waitForOutput(containing: "simulate: ui: http://", deadline: .after(seconds: 10)),
            let line = daemon.output.components(separatedBy: "\n").first(where: { $0.contains("ui: http://127.0.0.1:") }
            ),
            let port = line.components(separatedBy: "http://127.0.0.1:").last.flatMap({ Int($0.prefix { $0.isNumber }) }
            )
        else {
            daemon.stop()
            throw DaemonProcess.Failure(description: "no UI URL printed:\n\(daemon.output)")
        }
        return (daemon, UIEndpoint(port: port))
    }

    func curl(_ arguments: [String]) throws -> String {
        let child = try ChildProcess("/usr/bin/curl", ["-s"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: 30)) else {
            child.stop()
            throw DaemonProcess.Failure(description: "curl \(arguments) hung")
        }
        return child.output
    }

    func status(_ arguments: [String]) throws -> Int {
        Int(try curl(["-o", "/dev/null", "-w", "%{http_code}"] + arguments)) ?? -1
    }

    func state() throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(try curl([url("/ui/v1/state")]).utf8)) as? [String: Any])
    }

    /// Posts an event as the page does; the status and the JSON answer.
    func event(_ body: [String: Any]) throws -> (code: Int, body: [String: Any]) {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let output = try curl([
            "-H", "Origin: \(origin)", "-H", "Content-Type: application/json", "--data-binary", text, "-w",
            "\n%{http_code}", url("/ui/v1/events"),
        ])
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        let code = Int(lines.last ?? "") ?? -1
        let json = lines.dropLast().joined(separator: "\n")
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        return (code, object)
    }

    /// `curl -N` on the stream, left running.
    func openStream() throws -> ChildProcess {
        try ChildProcess("/usr/bin/curl", ["-s", "-N", url("/ui/v1/stream")], environment: ["PATH": "/usr/bin:/bin"])
    }

    /// `/metrics` from the pull listener (configured in plain HTTP on loopback): the UI's requests are counted in the
    /// same registry.
    func metrics(_ daemon: DaemonProcess) throws -> String {
        let line = try #require(
            daemon.output.components(separatedBy: "\n").first { $0.contains("pull API listening on http://127.0.0.1:") }
        )
        let port = try #require(
            line.components(separatedBy: "http://127.0.0.1:").last.flatMap { Int($0.prefix { $0.isNumber }) })
        return try curl(["http://127.0.0.1:\(port)/metrics"])
    }

    static func form(name: String) -> [String: Any] {
        [
            "kind": "company", "name": name, "entityType": "有限责任公司（自然人独资）", "representative": "张三丰",
            "registeredCapitalWan": 10, "address": "北京市东城区东直门南大街1号", "businessScope": "软件开发；技术咨询",
            "phone": "13800000000",
        ]
    }
}

/// A real PNG (10×10, RGBA) as the signature pad would send it, and ink measurements.
enum SignatureImage {
    static let dataURL =
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAoAAAAKCAYAAACNMs+9AAAAEUlEQVR4nGP4TyRgGFVIX4UAI/uOgBh6qvoAAAAASUVORK5CYII="

    static func ink(points: Int) -> [String: Any] {
        ["points": points, "boundsWidth": 420, "boundsHeight": 120, "canvasWidth": 800, "canvasHeight": 300]
    }
}

/// Server-Sent Events as curl received them.
enum SSE {
    struct Event {
        var id: String?
        var event: String?
        var data: String
        var output: String

        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        }
    }

    /// Waits, state by state from version `after`, for one whose screen is `screen`; nil when the stream ends or
    /// falls silent for 20 s first.
    static func waitForScreen(_ screen: String, on stream: ChildProcess, after: Int) -> [String: Any]? {
        var version = after
        while stream.waitForOutput(containing: "id: \(version + 1)\n", deadline: .after(seconds: 20)) {
            version += 1
            // The event's id is in; its data may still be on its way (the pipe can split it).
            let end = Deadline.after(.seconds(5))
            var state: [String: Any]?
            while state == nil && !end.hasPassed {
                state = events(stream.output).first { $0.id == String(version) }.flatMap { try? $0.json() }
                if state == nil { usleep(5000) }
            }
            if state?["screen"] as? String == screen { return state }
        }
        return nil
    }

    static func events(_ text: String) -> [Event] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var event = Event(id: nil, event: nil, data: "", output: block)
            var sawData = false
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { event.event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") {
                    event.data += String(line.dropFirst(6))
                    sawData = true
                }
            }
            return sawData ? event : nil
        }
    }
}
