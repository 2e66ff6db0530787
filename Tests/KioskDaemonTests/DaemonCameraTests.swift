import Foundation
import Testing

/// The camera as a device of the terminal, with kioskd and kioskctl as real processes: `--simulate` has the simulated
/// camera, `kioskctl devices` shows it, `kioskctl simulate camera …` makes it degrade and recover, and it is never
/// capturable (its frames are faces).
@Suite(.serialized) struct DaemonCameraTests {
    static func kioskctl(_ daemon: DaemonProcess, _ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run("kioskctl", ["--socket", daemon.statusSocket] + arguments, timeout: 30)
    }

    @Test func theSimulatedCameraIsADevice_degradesAndRecovers_andIsNeverCaptured() throws {
        let dir = try TemporaryDirectory("kioskd-camera")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        #expect(daemon.notify.waitFor("STATUS=ready: 5/5 devices", timeout: 10), "\(daemon.notify.messages)")
        let shown = try Self.kioskctl(daemon, ["devices", "camera"])
        #expect(shown.status == 0, "\(shown.stdout)\(shown.stderr)")
        #expect(shown.stdout.contains("camera\n  state       ready"), "\(shown.stdout)")
        #expect(shown.stdout.contains("simulated camera"), "\(shown.stdout)")
        #expect(shown.stdout.contains("required    no\n"), "\(shown.stdout)")

        let unplugged = try Self.kioskctl(daemon, ["simulate", "camera", "absent"])
        #expect(unplugged.status == 0, "\(unplugged.stderr)")
        let absent = try KioskctlDaemonVerbTests.waitFor(daemon, role: "camera", state: "disconnected")
        #expect(absent.contains("\"absent\""), "\(absent)")
        #expect(daemon.notify.waitFor("STATUS=degraded: camera absent", timeout: 10), "\(daemon.notify.messages)")
        // Not required while the face comparison is off: the terminal still serves, `status` still says ok.
        #expect(try Self.kioskctl(daemon, ["status"]).status == 0)

        #expect(try Self.kioskctl(daemon, ["simulate", "camera", "busy"]).status == 0)
        let busy = try KioskctlDaemonVerbTests.waitFor(daemon, role: "camera", state: "faulted")
        #expect(busy.contains("\"busy\""), "\(busy)")

        #expect(try Self.kioskctl(daemon, ["simulate", "camera", "ok"]).status == 0)
        _ = try KioskctlDaemonVerbTests.waitFor(daemon, role: "camera", state: "ready")
        #expect(daemon.notify.waitForAnother("STATUS=ready: 5/5 devices", timeout: 10), "\(daemon.notify.messages)")

        let refused = try Self.kioskctl(daemon, ["simulate", "camera", "melted"])
        #expect(refused.status == 2, "\(refused.stderr)")
        let capture = try Self.kioskctl(daemon, ["capture", "camera", "--seconds", "1", "--out", dir.url.path + "/c"])
        #expect(capture.status != 0)
        #expect(capture.stderr.contains("faces"), "\(capture.stderr)")
        let direct = try daemon.admin().request(["command": "capture", "role": "camera", "seconds": 1])
        #expect("\(direct)".contains("faces"), "\(direct)")
    }
}
