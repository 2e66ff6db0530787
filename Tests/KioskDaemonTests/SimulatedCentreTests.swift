import Foundation
import KioskIO
import Testing

/// The simulated centre's control listener (plain HTTP on loopback), read and switched with curl.
struct CentreControl {
    let control: String
    let url: String

    /// `simulation.centre` of a simulating kioskd's status.
    init(status: [String: Any]) throws {
        let centre = (status["simulation"] as? [String: Any])?["centre"] as? [String: Any]
        control = try #require(centre?["control"] as? String, "no simulated centre in \(status)")
        url = try #require(centre?["url"] as? String)
    }

    /// The JSON `curl -s` got, or nil when curl failed (nothing listening).
    func curl(_ arguments: [String]) throws -> [String: Any]? {
        let curl = try ChildProcess(
            "/usr/bin/curl", ["-s", "--max-time", "20"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard curl.waitForExit(deadline: .after(seconds: 30)), curl.exitStatus == 0 else {
            curl.stop()
            return nil
        }
        return try JSONSerialization.jsonObject(with: Data(curl.output.utf8)) as? [String: Any]
    }

    func received() throws -> [String: Any] {
        try #require(try curl([control + "/sim/received"]), "the simulated centre does not answer at \(control)")
    }

    @discardableResult
    func setMode(_ mode: [String: Any]) throws -> [String: Any] {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: mode), as: UTF8.self)
        return try #require(try curl(["-d", body, control + "/sim/mode"]))
    }

    /// Polls `/sim/received` (every 100 ms) until `condition` holds or `deadline` passes; the last answer.
    func waitForReceived(_ deadline: Deadline, _ condition: ([String: Any]) -> Bool) throws -> [String: Any] {
        while true {
            let now = try received()
            if condition(now) || deadline.hasPassed { return now }
            usleep(100_000)
        }
    }
}

extension [String: Any] {
    var pushed: [Int] { (self["events"] as? [[String: Any]] ?? []).compactMap { $0["pushed"] as? Int } }
    var pulled: [Int] { (self["events"] as? [[String: Any]] ?? []).compactMap { $0["pulled"] as? Int } }
}

enum DaemonStatus {
    /// Calls `probe` every 100 ms until it returns a value or `deadline` passes (then nil).
    static func waitFor<T>(_ deadline: Deadline, _ probe: () throws -> T?) throws -> T? {
        while true {
            if let value = try probe() { return value }
            if deadline.hasPassed { return nil }
            usleep(100_000)
        }
    }
}

/// `kioskd --simulate` with the central simulator: push and registration go to it (a process of its own, its
/// certificate pinned), unless the config names its own settings.
@Suite(.serialized) struct SimulatedCentreTests {
    @Test func simulate_registersAndPushesThroughTheSimulatedCentre() throws {
        let dir = try TemporaryDirectory("kioskd-simcentre")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, central: true)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let status = try admin.request(["command": "status"])
        #expect((status["authority"] as? [String: Any])?["mode"] as? String == "central", "\(status)")
        #expect((status["central"] as? [String: Any])?["push"] != nil, "\(status)")
        let centre = try CentreControl(status: status)

        let id = try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating")
        try admin.flow("rate", ["grade": 5])
        try admin.wait(for: "completed")
        // Pushed by kioskd and pulled by the centre (over TLS, kioskd's certificate pinned): one event as it counts.
        // Whichever comes first acknowledges it; the other then has nothing new (or is a counted repeat).
        // The centre's ack reached kioskd.
        let acked = try DaemonStatus.waitFor(.after(seconds: 10)) {
            let status = try admin.request(["command": "status"])
            return ((status["store"] as? [String: Any])?["pendingOutbox"] as? Int) == 0 ? status : nil
        }
        let received = try centre.received()
        #expect(received.eventIDs == [id], "\(received)\n\(daemon.output)")
        #expect(received.unique == 1)
        #expect((received.pushed.first ?? 0) + (received.pulled.first ?? 0) >= 1, "\(received)")
        let pull = received["pull"] as? [String: Any]
        #expect(pull?["on"] as? Bool == true && pull?["failures"] as? Int == 0, "\(received)")
        #expect((pull?["requests"] as? Int ?? 0) >= 1, "\(received)")
        #expect(acked != nil, "the centre's ack did not reach kioskd\n\(daemon.output)")
        // The licence was approved by the centre (one registration for this transaction), not by kioskd itself.
        #expect(received["registrationRequests"] as? Int == 1, "\(received)")
        // `sim authority` names the centre's control instead of switching an authority that is not in use.
        let refused = try admin.sim("authority", ["mode": "reject"])
        #expect(refused["ok"] as? Bool == false)
        #expect((refused["error"] as? String)?.contains(centre.control) == true, "\(refused)")
        #expect(daemon.terminate() == 0)
        // The centre went with kioskd.
        #expect(try centre.curl([centre.control + "/sim/received"]) == nil)
    }

    /// Done-when of the central link: a completed transaction reaches the centre by push and by pull, exactly once as
    /// the centre counts it, with the centre down and up again in between.
    @Test func simulate_pushAndPull_centreDownAndUp_exactlyOnceAsTheCentreCounts() throws {
        let dir = try TemporaryDirectory("kioskd-simcentre-downup")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, central: true)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let centre = try CentreControl(status: try admin.request(["command": "status"]))
        func complete() throws -> String {
            let id = try DaemonScript.throughSignature(admin)
            try admin.wait(for: "rating")
            try admin.flow("rate", ["grade": 5])
            try admin.wait(for: "completed")
            return id
        }
        func pending() throws -> Int {
            (try admin.request(["command": "status"])["store"] as? [String: Any])?["pendingOutbox"] as? Int ?? -1
        }
        // 1. The centre only takes pushes: the first transaction arrives by push.
        try centre.setMode(["pull": "paused"])
        let first = try complete()
        var received = try centre.waitForReceived(.after(seconds: 20)) { $0.unique == 1 }
        #expect(received.eventIDs == [first] && received.pushed == [1] && received.pulled == [0], "\(received)")
        // 2. Its push endpoint fails (500; registration still approves): the second waits in the outbox, and stays
        // there while the centre is down altogether (connections refused).
        try centre.setMode(["push": "500"])
        let second = try complete()
        let failed = try DaemonStatus.waitFor(.after(seconds: 20)) { () -> [String: Any]? in
            let push = (try admin.request(["command": "status"])["central"] as? [String: Any])?["push"]
            guard let push = push as? [String: Any], (push["failedAttempts"] as? Int ?? 0) > 0 else { return nil }
            return push
        }
        #expect(failed != nil, "no push failure while the centre failed")
        try centre.setMode(["push": "down"])
        #expect(try centre.curl(["--max-time", "2", "-k", centre.url]) == nil, "the centre is not down")
        #expect(try centre.received().unique == 1)
        #expect(try pending() == 1)
        // 3. Up again, its push endpoint failing with 500 but pulling: the second arrives by pull (and the first is
        // pulled again, a repeat the centre recognises by source + id).
        try centre.setMode(["push": "500", "pull": "running"])
        received = try centre.waitForReceived(.after(seconds: 20)) { $0.unique == 2 && $0.pulled == [1, 1] }
        #expect(received.eventIDs == [first, second], "\(received)\n\(daemon.output)")
        #expect(received.pulled == [1, 1] && received.pushed == [1, 0], "\(received)")
        #expect(
            try DaemonStatus.waitFor(.after(seconds: 10)) { try pending() == 0 ? true : nil } == true,
            "the centre's pull ack did not reach kioskd")
        // 4. Pushing works again (pulling too, whichever comes first): nothing acknowledged is pushed again.
        try centre.setMode(["push": "normal"])
        let third = try complete()
        received = try centre.waitForReceived(.after(seconds: 20)) { $0.unique == 3 }
        #expect(received.eventIDs == [first, second, third], "\(received)")
        #expect(received.unique == 3)
        #expect(
            Array(received.pushed.prefix(2)) == [1, 0] && Array(received.pulled.prefix(2)) == [1, 1], "\(received)")
    }

    @Test func simulate_centreRegistrationModes_reachTheFlow() throws {
        let dir = try TemporaryDirectory("kioskd-simcentre-reject")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, central: true)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let centre = try CentreControl(status: try admin.request(["command": "status"]))
        try centre.setMode(["registration": "unavailable"])
        _ = try DaemonScript.throughSignature(admin)
        // A hand-off asks for 好差评 first; the citizen skips it.
        try admin.wait(for: "rating")
        try DaemonScript.expectApplied(admin.flow("skip-rating"))
        let reply = try admin.wait(for: "handedOff")
        #expect((reply["lastTicket"] as? String) != nil, "\(reply)")
    }

    @Test func simulate_killedKioskd_takesTheCentreWithIt() throws {
        let dir = try TemporaryDirectory("kioskd-simcentre-kill")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, central: true)
        defer { daemon.stop() }
        let centre = try CentreControl(status: try daemon.admin().request(["command": "status"]))
        _ = try centre.received()
        daemon.kill9()
        let deadline = Deadline.after(seconds: 10)
        var answering = true
        while answering && !deadline.hasPassed {
            answering = try centre.curl(["--max-time", "1", centre.control + "/sim/received"]) != nil
            if answering { usleep(100_000) }
        }
        #expect(!answering, "the central simulator outlived a SIGKILLed kioskd")
    }

    @Test func simulate_withOwnAuthoritySettings_keepsThem() throws {
        let dir = try TemporaryDirectory("kioskd-simcentre-explicit")
        defer { dir.remove() }
        let daemon = try DaemonProcess(
            stateDirectory: dir.url, central: true, config: ["kioskID": "SIM-OWN-01", "authority": ["mode": "approve"]])
        defer { daemon.stop() }
        let status = try daemon.admin().request(["command": "status"])
        #expect((status["authority"] as? [String: Any])?["mode"] as? String == "embedded", "\(status)")
        #expect((status["simulation"] as? [String: Any])?["centre"] == nil)
        #expect(status["central"] == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("sim-central").path))
    }
}
