import Foundation
import KioskCore
import Testing

@testable import KioskDaemon

/// `identity.faceVerification` (docs/face-verification.md): off unless asked for, and a wrong value names the key.
@Suite struct FaceVerificationConfigTests {
    @Test func absent_isOff() throws {
        #expect(try DaemonConfigTests.parse(["kioskID": "K-1"]).flow.faceVerification == .off)
        #expect(try DaemonConfigTests.parse(["kioskID": "K-1", "identity": [:]]).flow.faceVerification == .off)
    }

    @Test func required_isRead() throws {
        let config = try DaemonConfigTests.parse(["kioskID": "K-1", "identity": ["faceVerification": "required"]])
        #expect(config.flow.faceVerification == .required)
        #expect(config.flow.maximumFaceAttempts == 3)
    }

    /// (the value of `identity`, the key named, what the message says).
    nonisolated(unsafe) static let refused: [([String: Any], String, String)] = [
        (["faceVerification": "maybe"], "identity.faceVerification", "expected one of required, off"),
        (["faceVerification": true], "identity.faceVerification", "expected a string"),
        (["camera": "on"], "identity.camera", "unknown key; expected one of faceVerification"),
    ]

    @Test(arguments: 0..<refused.count)
    func badValue_namesTheKey(index: Int) {
        let (identity, key, expected) = Self.refused[index]
        let error = #expect(throws: ConfigError.self) {
            try DaemonConfigTests.parse(["kioskID": "K-1", "identity": identity])
        }
        #expect(error?.keyPath == key)
        #expect(error?.problem.contains(expected) == true, "\(error?.problem ?? "no error")")
    }
}
