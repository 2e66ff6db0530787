import Foundation
import KioskSimulators
import Testing

/// 身份证比对's face comparison in kioskd as a real process (docs/face-verification.md): `--simulate` with its camera
/// (the two synthetic faces) and the central simulator's identity service over pinned TLS, answers set through
/// admin.sock like a technician's `kioskctl simulate face`.
@Suite struct DaemonFaceStepTests {
    static let card = IDReaderSampleCards.resident

    static func daemon(_ dir: TemporaryDirectory, config extra: [String: Any] = [:]) throws -> DaemonProcess {
        let config: [String: Any] = ["kioskID": "FACE-01", "flow": ["endScreenSeconds": 0.2]].merging(extra) { $1 }
        return try DaemonProcess(stateDirectory: dir.url, central: true, config: config)
    }

    /// Start, place the card, and wait for the live preview's step.
    static func toCamera(_ admin: ControlConnection) throws {
        try DaemonScript.expectApplied(admin.flow("start"))
        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "capturingFace")
    }

    static func handOffReason(_ admin: ControlConnection) throws -> String? {
        let flow = try #require(try admin.request(["command": "status"])["flow"] as? [String: Any])
        return flow["handOffReason"] as? String
    }

    @Test func simulateDefaultsToRequired_matchOpensTheForm() throws {
        let dir = try TemporaryDirectory("kioskd-face-match")
        defer { dir.remove() }
        let daemon = try Self.daemon(dir)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try Self.toCamera(admin)
        try DaemonScript.expectApplied(admin.flow("capture-face"))
        try admin.wait(for: "fillingForm")
        #expect(daemon.output.contains("face attempt 1: match (0.93)"), "\(daemon.output)")
        try DaemonScript.expectApplied(admin.flow("cancel"))
        try admin.wait(for: "cancelled")
        #expect(!daemon.output.contains(Self.card.idNumber.unmasked))
        #expect(!daemon.output.contains(Self.card.name.unmasked))
    }

    @Test func threeMismatches_handOffAsFaceMismatch() throws {
        let dir = try TemporaryDirectory("kioskd-face-mismatch")
        defer { dir.remove() }
        let daemon = try Self.daemon(dir)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.sim("face", ["mode": "no-match"])
        try Self.toCamera(admin)
        for attempt in 1...3 {
            try admin.wait(for: "capturingFace")
            try DaemonScript.expectApplied(admin.flow("capture-face"))
            if attempt < 3 { try admin.waitForUI(containing: "face did not match, \(3 - attempt) attempts left") }
        }
        try admin.wait(for: "rating")
        #expect(try Self.handOffReason(admin) == "face-mismatch")
        #expect(daemon.output.contains("face attempt 3: noMatch (0.12)"))
        // Every attempt was made: a fourth 开始比对 does not apply.
        #expect(try admin.flow("capture-face")["applied"] as? Bool != true)
        try admin.flow("skip-rating")
        try admin.wait(for: "handedOff")
    }

    @Test func unavailableCentre_handsOffAsVerificationUnavailable() throws {
        let dir = try TemporaryDirectory("kioskd-face-unavailable")
        defer { dir.remove() }
        let daemon = try Self.daemon(dir)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.sim("face", ["mode": "unavailable"])
        try Self.toCamera(admin)
        try DaemonScript.expectApplied(admin.flow("capture-face"))
        try admin.wait(for: "rating")
        #expect(try Self.handOffReason(admin) == "verification-unavailable")
        #expect(daemon.output.contains("face attempt 1: unavailable (http-503)"), "\(daemon.output)")
    }

    @Test func cameraStalledAtCapture_handsOffAsDeviceUnavailable() throws {
        let dir = try TemporaryDirectory("kioskd-face-stalled")
        defer { dir.remove() }
        let daemon = try Self.daemon(dir)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try Self.toCamera(admin)
        try admin.sim("camera", ["fault": "stalled"])
        try DaemonScript.expectApplied(admin.flow("capture-face"))
        try admin.wait(for: "rating")
        #expect(try Self.handOffReason(admin) == "device-unavailable")
        #expect(!daemon.output.contains("fillingForm"))
    }

    @Test func off_keepsTheConfirmStep() throws {
        let dir = try TemporaryDirectory("kioskd-face-off")
        defer { dir.remove() }
        let daemon = try Self.daemon(dir, config: ["identity": ["faceVerification": "off"]])
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try DaemonScript.expectApplied(admin.flow("start"))
        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "verifyingIdentity")
        try DaemonScript.expectApplied(admin.flow("confirm-identity"))
        try admin.wait(for: "fillingForm")
    }

    @Test func requiredWithoutACamera_handsOffAsDeviceUnavailable_neverOpensTheForm() throws {
        let dir = try TemporaryDirectory("kioskd-face-absent")
        defer { dir.remove() }
        let empty = dir.url.appendingPathComponent("no-frames")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let daemon = try Self.daemon(
            dir,
            config: [
                "identity": ["faceVerification": "required"], "simulation": ["cameraDirectory": empty.path],
            ])
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try DaemonScript.expectApplied(admin.flow("start"))
        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "rating")
        #expect(try Self.handOffReason(admin) == "device-unavailable")
        try admin.sim("lift-card")
        try admin.flow("skip-rating")
        try admin.wait(for: "handedOff")
        #expect(daemon.output.contains("no camera and identity service are set up"))
        #expect(daemon.output.contains("face attempt 1: camera failed (not-configured)"))
        #expect(!daemon.output.contains("fillingForm"))
        #expect(!daemon.output.contains(Self.card.idNumber.unmasked))
    }

    /// The frames are faces: after a match, a mismatch and a completed-then-cancelled session, no file under the state
    /// directory (the store, its WAL, checkpoints, the simulators' output, the centre's files) and not the log holds
    /// the test images' bytes, raw or base64.
    @Test func noImageBytes_inTheStateDirectory_orTheLog() throws {
        let dir = try TemporaryDirectory("kioskd-face-grep")
        defer { dir.remove() }
        let daemon = try Self.daemon(dir)
        let admin = try daemon.admin()
        try admin.sim("face", ["script": ["no-match", "match"]])
        try Self.toCamera(admin)
        try DaemonScript.expectApplied(admin.flow("capture-face"))
        try admin.waitForUI(containing: "face did not match, 2 attempts left")
        try admin.wait(for: "capturingFace")
        try DaemonScript.expectApplied(admin.flow("capture-face"))
        try admin.wait(for: "fillingForm")
        try DaemonScript.expectApplied(admin.flow("cancel"))
        try admin.wait(for: "cancelled")
        daemon.stop()
        let needles = try FaceImageNeedles.fromSimulatedCameraFrames()
        #expect(needles.count >= 6)
        let log = Array(daemon.output.utf8)
        for needle in needles { #expect(!log.contains(needle.bytes), "the log holds \(needle.name)") }
        var searched = 0
        for file in try FaceImageNeedles.files(under: dir.url) {
            let bytes = try [UInt8](Data(contentsOf: file))
            searched += 1
            for needle in needles {
                #expect(!bytes.contains(needle.bytes), "\(file.path) holds \(needle.name)")
            }
        }
        #expect(searched > 3, "the state directory had only \(searched) files")
    }
}

/// Pieces of the simulated camera's JPEGs to look for: a run of entropy-coded bytes from the middle of each image,
/// and the same run as base64 at the three alignments a base64 encoder can give it.
struct FaceImageNeedles {
    var name: String
    var bytes: [UInt8]

    static func fromSimulatedCameraFrames() throws -> [FaceImageNeedles] {
        let frames = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/KioskSimulators/SimulatedCameraFrames")
        var needles: [FaceImageNeedles] = []
        for name in ["face-1.jpg", "face-2.jpg"] {
            let image = try [UInt8](Data(contentsOf: frames.appendingPathComponent(name)))
            let middle = Array(image[image.count / 2..<image.count / 2 + 48])
            needles.append(FaceImageNeedles(name: "\(name) bytes", bytes: middle))
            for shift in 0..<3 {
                // Base64 of the run starting `shift` bytes in, trimmed to whole 4-character groups away from the edges.
                let text = Data(middle[shift...]).base64EncodedString()
                let inner = Array(text.utf8.dropFirst(4).prefix(40))
                needles.append(FaceImageNeedles(name: "\(name) base64/\(shift)", bytes: inner))
            }
        }
        return needles
    }

    static func files(under root: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        return walker.compactMap { $0 as? URL }.filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    fileprivate func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                for start in 0...(hay.count - pin.count) where hay[start] == pin[0] {
                    if memcmp(hay.baseAddress! + start, pin.baseAddress!, pin.count) == 0 { return true }
                }
                return false
            }
        }
    }
}
