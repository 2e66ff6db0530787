import Foundation
import KioskIO
import Testing

/// The simulated centre's control listener (plain HTTP on loopback), read and switched with curl.
struct CentreControl {
    let control: String

    /// `simulation.centre` of a simulating kioskd's status.
    init(status: [String: Any]) throws {
        let centre = (status["simulation"] as? [String: Any])?["centre"] as? [String: Any]
        control = try #require(centre?["control"] as? String, "no simulated centre in \(status)")
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
        try admin.flow("rate", ["rating": "good"])
        try admin.wait(for: "completed")
        let received = try centre.waitForReceived(.after(seconds: 20)) { $0.unique >= 1 }
        #expect(received.eventIDs == [id], "\(received)\n\(daemon.output)")
        #expect(received.deliveries == [1])
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

    @Test func simulate_centreRegistrationModes_reachTheFlow() throws {
        let dir = try TemporaryDirectory("kioskd-simcentre-reject")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, central: true)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let centre = try CentreControl(status: try admin.request(["command": "status"]))
        try centre.setMode(["registration": "unavailable"])
        _ = try DaemonScript.throughSignature(admin)
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
