import Foundation
import KioskSimulators
import Testing

/// kioskd as a real process with `identity.faceVerification: required` (docs/face-verification.md). Until the camera
/// and the identity service are wired in, a required comparison that cannot be made must hand the citizen to a
/// staffed window, never skip to the form.
@Suite struct DaemonFaceStepTests {
    @Test func requiredWithoutACamera_handsOffAsDeviceUnavailable_neverOpensTheForm() throws {
        let dir = try TemporaryDirectory("kioskd-face-absent")
        defer { dir.remove() }
        let config: [String: Any] = [
            "kioskID": "FACE-01", "identity": ["faceVerification": "required"], "flow": ["endScreenSeconds": 0.2],
        ]
        let daemon = try DaemonProcess(stateDirectory: dir.url, config: config)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try DaemonScript.expectApplied(admin.flow("start"))
        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "rating")
        let flow = try #require(try admin.request(["command": "status"])["flow"] as? [String: Any])
        #expect(flow["handOffReason"] as? String == "device-unavailable")
        try admin.sim("lift-card")
        try admin.flow("skip-rating")
        try admin.wait(for: "handedOff")
        #expect(daemon.output.contains("no camera and identity service are set up"))
        #expect(daemon.output.contains("face attempt 1: camera failed (not-configured)"))
        #expect(!daemon.output.contains("fillingForm"))
        #expect(!daemon.output.contains(IDReaderSampleCards.resident.idNumber.unmasked))
    }
}
